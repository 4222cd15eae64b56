#!/usr/bin/env python3
"""Declares the lab's RabbitMQ queues and fills them to known depths (run with the lab's venv).

    inventory.reserve    1234 ready
    notifications.email   275 ready
    orders.audit            0

A queue that already exists is left as it is, so running this twice does not double the
depths. When the script returns, the broker holds every message: the channel handles methods in
order, so a passive declare after the publishes counts them all (checked, not assumed).
"""

import sys
import time

import pika

QUEUES = {"inventory.reserve": 1234, "notifications.email": 275, "orders.audit": 0}


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 19672
    params = pika.ConnectionParameters(host="127.0.0.1", port=port, connection_attempts=10, retry_delay=0.5)
    conn = pika.BlockingConnection(params)
    for queue, depth in QUEUES.items():
        ch = conn.channel()
        try:
            ch.queue_declare(queue=queue, passive=True)
            print(f"seed: {queue} exists, left as it is")
            ch.close()
            continue
        except pika.exceptions.ChannelClosedByBroker:
            pass  # 404: the queue does not exist yet
        ch = conn.channel()
        ch.queue_declare(queue=queue, durable=True)
        for n in range(depth):
            ch.basic_publish(exchange="", routing_key=queue, body=f"{queue} #{n}".encode())
        deadline = time.monotonic() + 10
        while (held := ch.queue_declare(queue=queue, passive=True).method.message_count) != depth:
            if time.monotonic() > deadline:
                print(f"seed: {queue} holds {held} messages, not {depth}", file=sys.stderr)
                return 1
            time.sleep(0.05)
        ch.close()
        print(f"seed: {queue} {depth} messages")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
