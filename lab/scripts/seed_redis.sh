#!/usr/bin/env bash
# Fills the Redis stream orders.events: 500 entries, two consumer groups.
#   inventory      read 120 entries, acked 100  -> 20 pending, lag 380
#   notifications  read nothing                 ->  0 pending, lag 500
# (redis_exporter 1.45 exports pending but not lag: pending 0 is not "caught up".)
# A stream that exists already is left as it is.
set -euo pipefail
port="${1:-19379}"
cli=(redis-cli -h 127.0.0.1 -p "$port")
if [ "$("${cli[@]}" EXISTS orders.events)" = 1 ]; then
    echo "seed: orders.events exists, left as it is"
    exit 0
fi
{
    for i in $(seq 1 500); do echo "XADD orders.events * order_id $i event placed"; done
    echo "XGROUP CREATE orders.events inventory 0"
    echo "XGROUP CREATE orders.events notifications 0"
} | "${cli[@]}" >/dev/null
read_ids=$("${cli[@]}" --raw XREADGROUP GROUP inventory worker-1 COUNT 120 STREAMS orders.events '>' \
    | grep -E '^[0-9]+-[0-9]+$' | head -n 100)
# shellcheck disable=SC2086  # one argument per id
"${cli[@]}" XACK orders.events inventory $read_ids >/dev/null
echo "seed: orders.events 500 entries; inventory $("${cli[@]}" XPENDING orders.events inventory | head -n 1) pending"
