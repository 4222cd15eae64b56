#!/usr/bin/env bash
# Records which functions cockpit sessions run, for release builds to lay them out side by
# side (build.rs, `code_order`; BENCHMARKS.md, "Code laid out by use"). Writes
# packaging/code-order/symbols.txt. Run from anywhere in the repository, with the lab up for
# the lab's dashboard to be recorded too (otherwise the demo and the CLI only):
#
#   bash .ci/lab packaging/code-order/record.sh [BINARY MAP]
#
# BINARY and MAP: a release binary and its link map, instead of building them here.
# Needs valgrind, tmux and python3; takes about 5 minutes after the release build (each
# session under callgrind, which runs it about 50 times slower). The names it records are the
# linker's own and stay valid across changes to the code; after a dependency or compiler
# upgrade, record again (tests/code_order.rs says when most names no longer match).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
socket="code-order-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

# The link map (build.rs writes it beside the build script's output) names every function's
# input section and address in the binary it was written with.
if [ $# -ge 2 ]; then
    bin=$(realpath "$1")
    map=$(realpath "$2")
else
    cargo build --release --bin cutover
    target=${CARGO_TARGET_DIR:-target}
    bin="$target/release/cutover"
    map=$(ls -t "$target"/release/build/cutover-*/out/cutover.map | head -1)
fi
grep -q '_ZN7cutover4main' "$map" || { echo "$map is not a link map of cutover" >&2; exit 1; }

home="$work/home"
mkdir -p "$home/config" "$home/state" "$home/data" "$home/cache"
run_env=(env HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_STATE_HOME="$home/state"
    XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" TERM=xterm-256color)
grind=(valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no)

# A cockpit session in a 120x40 pane: the first frame, then every view, the detail view's
# zoom and cursor, then quit.
session() { # name args...
    local name=$1
    shift
    tmux -L "$socket" -f /dev/null new-session -d -x 120 -y 40 \
        "${run_env[@]}" "${grind[@]}" --log-file="$work/$name.log" \
        --callgrind-out-file="$work/$name.cg" "$bin" "$@"
    for _ in $(seq 1 120); do
        tmux -L "$socket" capture-pane -p 2>/dev/null | grep -q Overview && break
        sleep 1
    done
    sleep 20
    for key in 2 z z , , . Z Escape j 2 3 4 5 1 k 2 1; do
        tmux -L "$socket" send-keys "$key"
        sleep 3
    done
    sleep 10
    tmux -L "$socket" send-keys q
    for _ in $(seq 1 60); do
        tmux -L "$socket" has-session 2>/dev/null || break
        sleep 1
    done
    tmux -L "$socket" kill-server 2>/dev/null || true
    echo "$name: $(grep -c '^fn=' "$work/$name.cg") functions" >&2
}

once() { # name args...
    local name=$1
    shift
    "${run_env[@]}" "${grind[@]}" --log-file="$work/$name.log" \
        --callgrind-out-file="$work/$name.cg" "$bin" "$@" >/dev/null 2>&1 || true
}

recorded=()
if curl -fsS -o /dev/null http://127.0.0.1:19090/-/ready 2>/dev/null; then
    python3 lab/scripts/traffic.py --seconds 240 >/dev/null 2>&1 &
    traffic=$!
    session lab --config lab/cutover.toml
    once lab-status --config lab/cutover.toml status
    kill "$traffic" 2>/dev/null || true
    recorded+=(lab lab-status)
else
    echo "the lab is not up: recording the demo and the CLI only" >&2
fi
session demo --demo
once help --help
recorded+=(demo help)

python3 packaging/code-order/symbols.py "$map" \
    $(printf "$work/%s.cg " "${recorded[@]}") > packaging/code-order/symbols.txt.new
mv packaging/code-order/symbols.txt.new packaging/code-order/symbols.txt
