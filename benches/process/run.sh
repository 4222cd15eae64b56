#!/usr/bin/env bash
# The whole process on the whole path (issue 20, item 1): 10 sources on 127.0.0.1 each serving
# the same 15.5 MB Envoy-shaped body, `cutover record` polling them every 2 s for SECS seconds;
# the bytes the server sent whole divided by the process's CPU time (user + sys), beside
# prometheus-parse's CPU time on the same file in the same run (examples/prometheus_parse_cpu.rs).
#
#   bash benches/process/run.sh [CUTOVER_BINARY] [SECS] [RUNS]     # defaults: target/release/cutover 20 3
#
# Each run also times one `status --json --over 2s` (at least two polls of every source), the
# one-shot measurement issue 20 started from. CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
bin=${1:-$target/release/cutover}
secs=${2:-20}
runs=${3:-3}
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
python3 benches/process/gen_envoy.py "$dir"
python3 benches/process/serve.py "$dir" & server=$!
sleep 1
cargo build -q --release --example prometheus_parse_cpu
pp=$("$target"/release/examples/prometheus_parse_cpu "$dir/body.txt" 3)
echo "$pp"
pp_mbs=$(echo "$pp" | awk '{ print $(NF-1) }')
export XDG_STATE_HOME="$dir/state" XDG_CONFIG_HOME="$dir/config"
# report LABEL BODIES: the bodies sent whole since the last count, over the CPU time in $dir/time.
report() {
  read -r user sys peak < "$dir/time"
  awk -v l="$1" -v n="$2" -v size="$(stat -c %s "$dir/body.txt")" -v u="$user" -v s="$sys" \
    -v m="$peak" -v pp="$pp_mbs" 'BEGIN {
      mb = n * size / 1e6; cpu = u + s
      printf "%s: %d bodies, %.0f MB, user %.2f s, sys %.2f s, peak RSS %.0f MiB: %.0f MB/s of CPU = %.1fx prometheus-parse\n",
        l, n, mb, u, s, m / 1024, mb / cpu, mb / cpu / pp }'
}
for run in $(seq "$runs"); do
  c0=$(cat "$dir/count" 2>/dev/null || echo 0)
  rm -f "$dir/rec.jsonl.gz"
  /usr/bin/time -f "%U %S %M" -o "$dir/time" "$bin" --config "$dir/cutover.toml" record \
    --out "$dir/rec.jsonl.gz" --duration "${secs}s" >/dev/null
  sleep 1
  c1=$(cat "$dir/count")
  report "run $run" $((c1 - c0))
  /usr/bin/time -f "%U %S %M" -o "$dir/time" "$bin" --config "$dir/cutover.toml" status \
    --json --over 2s >/dev/null || true
  sleep 1
  c2=$(cat "$dir/count")
  report "run $run, status --json --over 2s" $((c2 - c1))
done
