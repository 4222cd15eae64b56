#!/usr/bin/env bash
# Stops everything up.sh started (by the PIDs in its PID files, nothing else) and removes the
# lab's data, so that the next up.sh starts from the seeds. Logs stay in $LAB_DIR/logs.
# Idempotent: with nothing running it only checks that no lab port is still taken.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lab.env"
. "$here/lib.sh"

t0=$(now)

stop() { # name seconds-to-wait-before-SIGKILL [signal, default TERM]
    local f pid deadline
    f=$(pidfile "$1")
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if pid_alive "$pid"; then
        kill "-${3:-TERM}" "$pid" 2>/dev/null || true
        deadline=$(awk -v n="$(now)" -v s="$2" 'BEGIN { printf "%.1f", n + s }')
        while pid_alive "$pid"; do
            if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n > d) }'; then
                say "$1 (pid $pid) ignored SIGTERM for $2 s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
        done
    fi
    rm -f "$f"
}

# Clients first, then what they talk to; epmd last, after the Erlang node left it.
stop prometheus 10
stop victoria_metrics 10
stop haproxy 5
stop orders_svc 5
stop monolith 5
stop pg_exporter_orders_svc 5
stop pg_exporter_monolith 5
# SIGINT is PostgreSQL's fast shutdown (SIGTERM's smart one waits for every client); the
# subscriber first, so its apply worker leaves the monolith's walsender.
stop pg_orders_svc 20 INT
stop pg_monolith 20 INT
stop redis_exporter 5
stop rabbitmq 30
stop redis 5
stop epmd 5

rm -rf "$LAB_RUN"

busy=()
for p in $(lab_ports); do
    if port_busy "$p"; then busy+=("$p"); fi
done
if [ "${#busy[@]}" -gt 0 ]; then
    say "still listening on ${busy[*]} (not started by this lab's PID files?):"
    for p in "${busy[@]}"; do ss -Hltnp "sport = :$p"; done
    exit 1
fi
say "down in $(elapsed "$t0") s; nothing listens on the lab's ports"
