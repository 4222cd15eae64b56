# Helpers shared by up.sh and down.sh (sourced, after lab.env).

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "lab: $*"; }
die() { echo "lab: $*" >&2; exit 1; }

pidfile() { echo "$LAB_RUN/pids/$1.pid"; }

# Whether a PID is a live process. Zombies count as dead: detached processes are reparented to
# PID 1, which may reap them late, and waiting for that made stopping take seconds for nothing.
pid_alive() {
    local pid="$1" state
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Whether the component's PID file names a live process.
running() {
    local f
    f=$(pidfile "$1")
    [ -f "$f" ] && pid_alive "$(cat "$f")"
}

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Refuses to start a component on a port someone else holds (an old lab without PID files, or a
# package's own daemon).
need_port() {
    if port_busy "$1"; then
        die "port $1 ($2) is taken by another process: $(ss -Hltnp "sport = :$1" | sed 's/.*users://')"
    fi
}

# start_bg NAME COMMAND...: runs COMMAND in its own session, output to logs/NAME.log, PID in
# run/pids/NAME.pid.
start_bg() {
    local name="$1"
    shift
    setsid "$@" >>"$LAB_LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$(pidfile "$name")"
}

# wait_for WHAT SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds.
wait_for() {
    local what="$1" limit="$2" start
    shift 2
    start=$(now)
    until "$@" >/dev/null 2>&1; do
        if awk -v a="$start" -v b="$(now)" -v l="$limit" 'BEGIN { exit !(b - a > l) }'; then
            die "$what did not come up within ${limit}s (logs in $LAB_LOGS)"
        fi
        sleep 0.1
    done
}

http_ok() { curl -fsS -o /dev/null --max-time 1 "$1"; }

haproxy_cmd() { echo "$1" | socat -t 2 - "TCP:127.0.0.1:$HAPROXY_RUNTIME_PORT"; }

# Both servers of be_orders UP (or a weight-0 server: still UP) in `show stat`.
haproxy_servers_up() {
    local stat
    stat=$(haproxy_cmd "show stat") || return 1
    [ "$(echo "$stat" | awk -F, '$1 == "be_orders" && ($2 == "monolith" || $2 == "orders_svc") && $18 == "UP"' | wc -l)" = 2 ]
}

# The environment RabbitMQ and its CLI tools share: node name, ports, cookie (in HOME),
# config, data and logs, all under the lab dir.
rabbitmq_env() {
    export HOME="$RMQ_HOME"
    export RABBITMQ_NODENAME RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RMQ_AMQP_PORT"
    export RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
    export RABBITMQ_CONF_ENV_FILE="$LAB_RUN/rabbitmq/rabbitmq-env.conf"
    export RABBITMQ_CONFIG_FILE="$LAB_RUN/rabbitmq/rabbitmq.conf"
    export RABBITMQ_ADVANCED_CONFIG_FILE="$LAB_RUN/rabbitmq/advanced.config"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$LAB_RUN/rabbitmq/enabled_plugins"
    export RABBITMQ_MNESIA_BASE="$LAB_RUN/rabbitmq/mnesia"
    export RABBITMQ_LOG_BASE="$LAB_LOGS/rabbitmq"
    export RABBITMQ_CTL_DIST_PORT_MIN="${RMQ_CTL_DIST_PORTS%-*}" RABBITMQ_CTL_DIST_PORT_MAX="${RMQ_CTL_DIST_PORTS#*-}"
    export ERL_EPMD_PORT="$RMQ_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1
}

# Every port the lab listens on.
lab_ports() {
    echo "$HAPROXY_PORT $HAPROXY_METRICS_PORT $HAPROXY_RUNTIME_PORT $MONOLITH_PORT $ORDERS_SVC_PORT" \
        "$REDIS_PORT $REDIS_EXPORTER_PORT $RMQ_AMQP_PORT $RMQ_MGMT_PORT $RMQ_PROMETHEUS_PORT" \
        "$RMQ_DIST_PORT $RMQ_EPMD_PORT $PROMETHEUS_PORT $MONOLITH_PG_PORT $ORDERS_PG_PORT" \
        "$MONOLITH_PG_EXPORTER_PORT $ORDERS_PG_EXPORTER_PORT $VICTORIA_PORT"
}

# Whether the monolith's slot for the subscription has its walsender (the sync runs).
pg_slot_active() {
    [ "$(pg_sql "$MONOLITH_PG_PORT" shop -c "SELECT active FROM pg_replication_slots WHERE slot_name = 'orders_sub'")" = t ]
}

# psql on a lab cluster as its superuser (trust on 127.0.0.1 only): pg_sql PORT DB SQL...
pg_sql() {
    local port="$1" db="$2"
    shift 2
    PGOPTIONS='-c client_min_messages=warning' \
        psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" -At "$@"
}
