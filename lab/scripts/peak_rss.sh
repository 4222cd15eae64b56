#!/usr/bin/env bash
# Peak RSS of the live cockpit on the lab's orders dashboard, as an operator runs it: the
# binary in a 120x40 tmux pane on lab/cutover.toml while traffic.py sends orders traffic
# through the gateway, /proc/PID/status read every half second. Run it under the lab:
#
#   flock /work/lab.lock bash .ci/lab lab/scripts/peak_rss.sh target/release/cutover 5 40
#   ... peak_rss.sh BINARY RUNS SECONDS [LABEL]   (extra environment passes through, e.g.
#   PEAK_RSS_ENV=MALLOC_ARENA_MAX=1 to compare an allocator setting in the same lab session)
#
# One line per run: the peak (VmHWM) and the RSS at the end in kB, the threads at the end,
# and where the RSS was at the peak sample ([heap] = glibc's main arena, other anonymous
# mappings = thread arenas and stacks, file = the binary and libraries), from smaps.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "$1")
runs=${2:-5}
seconds=${3:-40}
label=${4:-$(basename "$bin")}
socket="peak-rss-$$"
home=$(mktemp -d)
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$home"' EXIT

breakdown() { # pid -> "heap=KB anon=KB file=KB"
    awk '
        /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : ""; next }
        /^Rss:/ {
            if (name == "[heap]") heap += $2
            else if (name == "" || name ~ /^\[stack/ || name ~ /^\[anon/) anon += $2
            else file += $2
        }
        END { printf "heap=%d anon=%d file=%d", heap, anon, file }
    ' "/proc/$1/smaps" 2>/dev/null || echo "heap=? anon=? file=?"
}

for run in $(seq 1 "$runs"); do
    rm -rf "$home"/*
    mkdir -p "$home/config" "$home/state" "$home/data" "$home/cache"
    python3 lab/scripts/traffic.py --seconds "$seconds" >/dev/null 2>&1 &
    traffic=$!
    tmux -L "$socket" -f /dev/null new-session -d -x 120 -y 40 \
        env HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_STATE_HOME="$home/state" \
        XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" TERM=xterm-256color \
        ${PEAK_RSS_ENV:-} "$bin" --config lab/cutover.toml
    pid=""
    for _ in $(seq 1 50); do
        pid=$(pgrep -P "$(tmux -L "$socket" display -p '#{pane_pid}')" -x cutover || true)
        [ -z "$pid" ] && pid=$(tmux -L "$socket" display -p '#{pane_pid}')
        [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = cutover ] && break
        sleep 0.1
    done
    peak=0 at=0 shape="" series=""
    start=$(date +%s.%N)
    while :; do
        now=$(date +%s.%N)
        t=$(awk -v s="$start" -v n="$now" 'BEGIN { printf "%.1f", n - s }')
        awk -v t="$t" -v l="$seconds" 'BEGIN { exit !(t >= l) }' && break
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ -z "$hwm" ] && break
        series="$series $t:$rss/$threads"
        if [ "$hwm" -gt "$peak" ]; then
            peak=$hwm at=$t shape=$(breakdown "$pid")
        fi
        sleep 0.5
    done
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    printf '%s run %d: peak %d kB (reached by %ss: %s) end %d kB threads %d\n' \
        "$label" "$run" "$peak" "$at" "$shape" "$rss" "$threads"
    [ -n "${PEAK_RSS_SERIES:-}" ] && echo "  rss/threads by second:$series"
    tmux -L "$socket" send-keys q
    sleep 0.5
    tmux -L "$socket" kill-server 2>/dev/null || true
    kill "$traffic" 2>/dev/null || true
    wait "$traffic" 2>/dev/null || true
done
