#!/usr/bin/env bash
# Starts the lab on 127.0.0.1: the orders monolith and orders_svc (FastAPI) behind HAProxy
# (weights 90/10, built-in exporter, runtime API at level admin), RabbitMQ with seeded queues,
# Redis with a seeded stream and redis_exporter, the data side (a PostgreSQL 15 cluster per app,
# the orders tables replicated monolith -> orders_svc by logical replication, one
# postgres_exporter 0.11 each), and Prometheus and VictoriaMetrics scraping all of it every 2 s.
#
# Idempotent: a component whose PID file names a live process is left alone, a dead one is
# started again (with its data, if any), so re-running this after a test killed a service
# brings back just that service. Ports: lab.env. Stop everything with down.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lab.env"
. "$here/lib.sh"

t0=$(now)
[ -x "$LAB_VENV/bin/python" ] || die "no Python venv at $LAB_VENV: run lab/install.sh first"
[ -f "$LAB_PG_TEMPLATE/PG_VERSION" ] || die "no PostgreSQL cluster template at $LAB_PG_TEMPLATE: run lab/install.sh first"
for tool in haproxy redis-server redis-cli prometheus-redis-exporter prometheus victoria-metrics \
    epmd socat curl psql pg_isready prometheus-postgres-exporter "$PG_BIN/postgres"; do
    command -v "$tool" >/dev/null || die "$tool is not installed: run lab/install.sh first"
done
mkdir -p "$LAB_RUN/pids" "$LAB_LOGS"

# --- Redis and its exporter -------------------------------------------------------------------
if ! running redis; then
    need_port "$REDIS_PORT" redis
    mkdir -p "$LAB_RUN/redis"
    start_bg redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$LAB_RUN/redis" \
        --save '' --appendonly no --daemonize no --protected-mode yes
    started_redis=1
fi

# --- RabbitMQ: our own epmd, node, cookie, config and data ------------------------------------
if ! running epmd; then
    need_port "$RMQ_EPMD_PORT" epmd
    start_bg epmd epmd -port "$RMQ_EPMD_PORT" -address 127.0.0.1
fi
if ! running rabbitmq; then
    for p in "$RMQ_AMQP_PORT" "$RMQ_MGMT_PORT" "$RMQ_PROMETHEUS_PORT" "$RMQ_DIST_PORT"; do need_port "$p" rabbitmq; done
    mkdir -p "$LAB_RUN/rabbitmq" "$RMQ_HOME" "$LAB_LOGS/rabbitmq"
    if [ ! -f "$RMQ_HOME/.erlang.cookie" ]; then
        (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$RMQ_HOME/.erlang.cookie")
        chmod 400 "$RMQ_HOME/.erlang.cookie"
    fi
    : >"$LAB_RUN/rabbitmq/rabbitmq-env.conf"
    cat >"$LAB_RUN/rabbitmq/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RMQ_AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RMQ_MGMT_PORT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $RMQ_PROMETHEUS_PORT
# Queue depths reach the metrics endpoints once per interval; 1 s keeps the tests short.
collect_statistics_interval = 1000
CONF
    # Erlang distribution on loopback only.
    echo '[{kernel, [{inet_dist_use_interface, {127,0,0,1}}]}].' >"$LAB_RUN/rabbitmq/advanced.config"
    echo '[rabbitmq_management,rabbitmq_prometheus].' >"$LAB_RUN/rabbitmq/enabled_plugins"
    (rabbitmq_env && start_bg rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server)
    started_rabbitmq=1
fi

# --- PostgreSQL: the monolith's cluster (publisher) and orders_svc's (subscriber) ------------
# Each its own data dir, a copy of the cluster install.sh initdb'd once (1 MB WAL segments, no
# fsync: its data is thrown away by down.sh), TCP on 127.0.0.1 only, trust auth (a lab on
# loopback). This runs while RabbitMQ boots, the long pole, so it adds little to up.sh. The subscriber reports its position every second, so the lag
# the publisher sees drains within a second or two of the rows being applied.
pg_user=()
if [ "$(id -u)" = 0 ]; then
    pg_user=(setpriv --reuid="$(id -u "$PG_USER")" --regid="$(id -g "$PG_USER")" --init-groups --)
fi
start_pg() { # name port settings...
    local name="$1" port="$2" dir="$LAB_RUN/pg/$1"
    shift 2
    running "pg_$name" && return 0
    need_port "$port" "pg_$name"
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$LAB_RUN/pg"
        cp -a "$LAB_PG_TEMPLATE" "$dir"
    fi
    start_bg "pg_$name" "${pg_user[@]}" "$PG_BIN/postgres" -D "$dir" -c port="$port" \
        -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB "$@"
}
start_pg monolith "$MONOLITH_PG_PORT" -c wal_level=logical -c max_wal_senders=4 -c max_replication_slots=4
start_pg orders_svc "$ORDERS_PG_PORT" -c wal_receiver_status_interval=1s

# --- The two FastAPI apps ---------------------------------------------------------------------
start_app() { # name port error_rate database accepted-token-issuers
    if ! running "$1"; then
        need_port "$2" "$1"
        (cd "$here/apps" && APP_NAME="$1" ERROR_RATE="$3" DATABASE_URL="$4" ACCEPTED_ISSUERS="$5" \
            start_bg "$1" "$LAB_VENV/bin/python" -m uvicorn orders_app:app \
            --host 127.0.0.1 --port "$2" --workers 1 --no-access-log --log-level warning)
    fi
}
start_app monolith "$MONOLITH_PORT" 0.02 \
    "host=127.0.0.1 port=$MONOLITH_PG_PORT dbname=shop user=postgres application_name=orders-monolith" legacy,v2
start_app orders_svc "$ORDERS_SVC_PORT" 0.1 \
    "host=127.0.0.1 port=$ORDERS_PG_PORT dbname=orders user=postgres application_name=orders-svc" v2

# --- Schemas, publication and subscription (each only if missing), then the exporters --------
wait_for "PostgreSQL monolith" 20 pg_isready -q -h 127.0.0.1 -p "$MONOLITH_PG_PORT"
wait_for "PostgreSQL orders_svc" 20 pg_isready -q -h 127.0.0.1 -p "$ORDERS_PG_PORT"
# Each cluster's one database is its `postgres` database renamed (a copy of template1 would be
# a few hundred more files to write now and remove in down.sh).
if [ -z "$(pg_sql "$MONOLITH_PG_PORT" template1 -c "SELECT 1 FROM pg_database WHERE datname = 'shop'")" ]; then
    pg_sql "$MONOLITH_PG_PORT" template1 -c 'ALTER DATABASE postgres RENAME TO shop'
fi
pg_sql "$MONOLITH_PG_PORT" shop <<'SQL'
CREATE TABLE IF NOT EXISTS orders (
    id bigserial PRIMARY KEY, customer text NOT NULL, total_cents bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS orders_created_at ON orders (created_at);
CREATE TABLE IF NOT EXISTS order_items (
    id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id),
    sku text NOT NULL, qty int NOT NULL);
CREATE TABLE IF NOT EXISTS inventory (sku text PRIMARY KEY, stock bigint NOT NULL);
INSERT INTO inventory SELECT 'sku-' || i, 1000000 FROM generate_series(1, 50) i ON CONFLICT DO NOTHING;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'orders_pub') THEN
        CREATE PUBLICATION orders_pub FOR TABLE orders, order_items;
    END IF;
END $$;
SQL
if [ -z "$(pg_sql "$ORDERS_PG_PORT" template1 -c "SELECT 1 FROM pg_database WHERE datname = 'orders'")" ]; then
    pg_sql "$ORDERS_PG_PORT" template1 -c 'ALTER DATABASE postgres RENAME TO orders'
fi
# DDL is not replicated: the copy's tables are made here, ids as plain bigint (they come from
# the monolith). order_events is orders_svc's own table.
pg_sql "$ORDERS_PG_PORT" orders <<'SQL'
CREATE TABLE IF NOT EXISTS orders (
    id bigint PRIMARY KEY, customer text NOT NULL, total_cents bigint NOT NULL,
    created_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS orders_created_at ON orders (created_at);
CREATE TABLE IF NOT EXISTS order_items (
    id bigint PRIMARY KEY, order_id bigint NOT NULL, sku text NOT NULL, qty int NOT NULL);
CREATE TABLE IF NOT EXISTS order_events (
    id bigserial PRIMARY KEY, kind text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
SQL
# CREATE SUBSCRIPTION makes the slot on the monolith and cannot run in a transaction block.
if [ -z "$(pg_sql "$ORDERS_PG_PORT" orders -c "SELECT 1 FROM pg_subscription WHERE subname = 'orders_sub'")" ]; then
    pg_sql "$ORDERS_PG_PORT" orders -c "CREATE SUBSCRIPTION orders_sub CONNECTION 'host=127.0.0.1 port=$MONOLITH_PG_PORT dbname=shop user=postgres application_name=orders_sub' PUBLICATION orders_pub"
fi
start_pg_exporter() { # name port pg-port database
    if ! running "$1"; then
        need_port "$2" "$1"
        DATA_SOURCE_NAME="postgresql://postgres@127.0.0.1:$3/$4?sslmode=disable&application_name=postgres_exporter" \
            start_bg "$1" prometheus-postgres-exporter --web.listen-address="127.0.0.1:$2" \
            --extend.query-path="$here/postgres-exporter-queries.yaml"
    fi
}
start_pg_exporter pg_exporter_monolith "$MONOLITH_PG_EXPORTER_PORT" "$MONOLITH_PG_PORT" shop
start_pg_exporter pg_exporter_orders_svc "$ORDERS_PG_EXPORTER_PORT" "$ORDERS_PG_PORT" orders

# --- Seeds and exporter, once their servers answer --------------------------------------------
wait_for redis 10 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
if [ -n "${started_redis:-}" ]; then "$here/scripts/seed_redis.sh" "$REDIS_PORT"; fi
if ! running redis_exporter; then
    need_port "$REDIS_EXPORTER_PORT" redis_exporter
    start_bg redis_exporter prometheus-redis-exporter \
        --redis.addr="redis://127.0.0.1:$REDIS_PORT" \
        --web.listen-address="127.0.0.1:$REDIS_EXPORTER_PORT" \
        --check-streams='db0=orders.*'
fi

wait_for monolith 20 http_ok "http://127.0.0.1:$MONOLITH_PORT/healthz"
wait_for orders_svc 20 http_ok "http://127.0.0.1:$ORDERS_SVC_PORT/healthz"

# --- HAProxy, only once both backends answer (else its first check marks one DOWN) ------------
if ! running haproxy; then
    for p in "$HAPROXY_PORT" "$HAPROXY_METRICS_PORT" "$HAPROXY_RUNTIME_PORT"; do need_port "$p" haproxy; done
    cat >"$LAB_RUN/haproxy.cfg" <<CFG
global
    stats socket ipv4@127.0.0.1:$HAPROXY_RUNTIME_PORT level admin
    maxconn 512

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe_orders
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend be_orders

backend be_orders
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 2s fall 3 rise 2
    server monolith 127.0.0.1:$MONOLITH_PORT weight 90 check
    server orders_svc 127.0.0.1:$ORDERS_SVC_PORT weight 10 check

frontend stats
    bind 127.0.0.1:$HAPROXY_METRICS_PORT
    http-request use-service prometheus-exporter if { path /metrics }
    stats enable
    stats uri /stats
CFG
    haproxy -c -q -f "$LAB_RUN/haproxy.cfg" || die "haproxy.cfg does not check"
    start_bg haproxy haproxy -db -f "$LAB_RUN/haproxy.cfg"
fi

# --- Prometheus, scraping every 2 s (it waits for its targets by itself) ----------------------
targets=8
if ! running prometheus; then
    need_port "$PROMETHEUS_PORT" prometheus
    mkdir -p "$LAB_RUN/prometheus-data"
    cat >"$LAB_RUN/prometheus.yml" <<YML
global:
  scrape_interval: 2s
  scrape_timeout: 1s
  evaluation_interval: 2s
scrape_configs:
  - job_name: haproxy
    static_configs: [{ targets: ["127.0.0.1:$HAPROXY_METRICS_PORT"] }]
  - job_name: rabbitmq
    metrics_path: /metrics/per-object
    static_configs: [{ targets: ["127.0.0.1:$RMQ_PROMETHEUS_PORT"] }]
  - job_name: rabbitmq-detailed
    metrics_path: /metrics/detailed
    params: { family: [queue_coarse_metrics, queue_consumer_count] }
    static_configs: [{ targets: ["127.0.0.1:$RMQ_PROMETHEUS_PORT"] }]
  - job_name: redis
    static_configs: [{ targets: ["127.0.0.1:$REDIS_EXPORTER_PORT"] }]
  - job_name: orders
    static_configs:
      - { targets: ["127.0.0.1:$MONOLITH_PORT"], labels: { service: monolith } }
      - { targets: ["127.0.0.1:$ORDERS_SVC_PORT"], labels: { service: orders_svc } }
  - job_name: postgres
    static_configs:
      - { targets: ["127.0.0.1:$MONOLITH_PG_EXPORTER_PORT"], labels: { cluster: monolith } }
      - { targets: ["127.0.0.1:$ORDERS_PG_EXPORTER_PORT"], labels: { cluster: orders_svc } }
YML
    start_bg prometheus prometheus --config.file="$LAB_RUN/prometheus.yml" \
        --storage.tsdb.path="$LAB_RUN/prometheus-data" \
        --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --log.level=warn
fi
# --- VictoriaMetrics, scraping the same targets from the same file ----------------------------
# Prometheus checks the file strictly; VictoriaMetrics' own strict parse would refuse the
# fields it has no use for (evaluation_interval), so it reads it leniently. Its own data dir;
# not the package's service (install.sh never starts it) nor its default port 8428.
if ! running victoria_metrics; then
    need_port "$VICTORIA_PORT" victoria_metrics
    mkdir -p "$LAB_RUN/victoria-metrics-data"
    start_bg victoria_metrics victoria-metrics -httpListenAddr="127.0.0.1:$VICTORIA_PORT" \
        -storageDataPath="$LAB_RUN/victoria-metrics-data" -retentionPeriod=1d \
        -promscrape.config="$LAB_RUN/prometheus.yml" -promscrape.config.strictParse=false \
        -memory.allowedBytes=64MiB -loggerLevel=WARN
fi
# --- Everything answering: RabbitMQ's first boot is the long pole -----------------------------
wait_for "RabbitMQ (rabbitmq_prometheus)" 90 http_ok "http://127.0.0.1:$RMQ_PROMETHEUS_PORT/metrics"
wait_for "RabbitMQ management" 30 http_ok "http://guest:guest@127.0.0.1:$RMQ_MGMT_PORT/api/overview"
if [ -n "${started_rabbitmq:-}" ]; then "$LAB_VENV/bin/python" "$here/scripts/seed_rabbitmq.py" "$RMQ_AMQP_PORT"; fi
wait_for "postgres_exporter monolith" 10 http_ok "http://127.0.0.1:$MONOLITH_PG_EXPORTER_PORT/metrics"
wait_for "postgres_exporter orders_svc" 10 http_ok "http://127.0.0.1:$ORDERS_PG_EXPORTER_PORT/metrics"
wait_for "replication slot orders_sub active" 20 pg_slot_active
wait_for redis_exporter 10 http_ok "http://127.0.0.1:$REDIS_EXPORTER_PORT/metrics"
wait_for "HAProxy exporter" 10 http_ok "http://127.0.0.1:$HAPROXY_METRICS_PORT/metrics"
wait_for "HAProxy servers UP" 20 haproxy_servers_up
wait_for Prometheus 20 http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
prometheus_targets_up() {
    curl -fsS --max-time 1 "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query?query=count(up%3D%3D1)" |
        grep -q "\"$targets\"\]"
}
wait_for "Prometheus targets up" 20 prometheus_targets_up
wait_for VictoriaMetrics 20 http_ok "http://127.0.0.1:$VICTORIA_PORT/health"
victoria_targets_up() {
    [ "$(curl -fsS --max-time 1 "http://127.0.0.1:$VICTORIA_PORT/api/v1/targets?state=active" |
        grep -o '"health":"up"' | wc -l)" = "$targets" ]
}
wait_for "VictoriaMetrics targets up" 20 victoria_targets_up

say "up in $(elapsed "$t0") s: gateway http://127.0.0.1:$HAPROXY_PORT, Prometheus http://127.0.0.1:$PROMETHEUS_PORT," \
    "VictoriaMetrics http://127.0.0.1:$VICTORIA_PORT"
