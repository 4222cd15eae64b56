#!/usr/bin/env bash
# Installs what the lab runs: Debian packages (no daemon of theirs is started; PostgreSQL's own
# cluster 15/main, which the package makes, is never started; nor is victoria-metrics' own
# service: up.sh runs its own process) and a Python venv with the two
# FastAPI apps' dependencies. Safe to run again: it only adds what is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lab.env"

packages=(haproxy rabbitmq-server redis-server prometheus-redis-exporter prometheus socat curl
    postgresql prometheus-postgres-exporter victoria-metrics)
python_packages=(fastapi uvicorn prometheus-fastapi-instrumentator pika "psycopg[binary]")

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi

start=$(date +%s.%N)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    # Package daemons must not start on their default ports (no systemd here, but invoke-rc.d
    # still runs init scripts): policy-rc.d answering 101 forbids every start. An existing one
    # is kept as it is; one we add is removed afterwards.
    added_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${sudo_cmd[@]}" chmod 755 /usr/sbin/policy-rc.d
        added_policy=1
    fi
    echo "lab: apt-get install ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ "$added_policy" = 1 ]; then "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d; fi
fi
# Some packages start their daemon anyway on hosts without policy-rc.d support; stop those,
# so that nothing listens on the default ports (6379, 9121, 9090, 8428, 5672...).
for pidfile in /run/redis/redis-server.pid /run/prometheus/prometheus.pid \
    /run/victoria-metrics/victoria-metrics.pid; do
    if [ -f "$pidfile" ]; then "${sudo_cmd[@]}" kill "$(cat "$pidfile")" 2>/dev/null || true; fi
done
apt_done=$(date +%s.%N)

mkdir -p "$LAB_DIR"
if [ ! -x "$LAB_VENV/bin/python" ]; then
    echo "lab: python venv in $LAB_VENV"
    python3 -m venv "$LAB_VENV"
fi
if ! "$LAB_VENV/bin/python" -c 'import fastapi, uvicorn, prometheus_fastapi_instrumentator, pika, psycopg' 2>/dev/null; then
    echo "lab: pip install ${python_packages[*]}"
    "$LAB_VENV/bin/pip" install -q --disable-pip-version-check "${python_packages[@]}"
fi
# initdb is the slow part of a PostgreSQL cluster's start (seconds on a busy machine): made once
# here, as PG_USER (initdb refuses root), and copied by up.sh for each of the lab's clusters.
if [ ! -f "$LAB_PG_TEMPLATE/PG_VERSION" ]; then
    echo "lab: PostgreSQL cluster template in $LAB_PG_TEMPLATE"
    partial="$LAB_PG_TEMPLATE.partial"
    rm -rf "$partial"
    mkdir -p "$partial"
    as_pg_user=()
    if [ "$(id -u)" = 0 ]; then
        chown "$PG_USER" "$partial"
        as_pg_user=(setpriv --reuid="$(id -u "$PG_USER")" --regid="$(id -g "$PG_USER")" --init-groups --)
    fi
    "${as_pg_user[@]}" "$PG_BIN/initdb" -D "$partial" -U postgres --auth=trust --no-locale -E UTF8 \
        --no-sync --wal-segsize=1 >"$LAB_DIR/initdb.log" 2>&1 || {
        cat "$LAB_DIR/initdb.log" >&2
        exit 1
    }
    mv "$partial" "$LAB_PG_TEMPLATE"
fi
end=$(date +%s.%N)
awk -v s="$start" -v a="$apt_done" -v e="$end" \
    'BEGIN { printf "lab: installed (apt %.1f s, python and cluster template %.1f s, total %.1f s)\n", a - s, e - a, e - s }'
