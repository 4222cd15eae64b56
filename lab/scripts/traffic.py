#!/usr/bin/env python3
"""Sends orders traffic through the lab's gateway and reports the ground truth.

Requests go one after the other, each on its own connection, so HAProxy's roundrobin splits
them exactly by weight (90/10 gives 1800/200 of 2000). Every answer is counted by the server
that sent it (the X-Served-By header of the apps; "haproxy" when the gateway answered itself)
and by status class (and, in "by_code", by exact status), which is what the cockpit's figures must equal.

    traffic.py 2000                          # 2000 GET /orders/{n} through 127.0.0.1:19080
    traffic.py --seconds 5 --json            # for five seconds, JSON ground truth on stdout
    traffic.py 50 --method POST --path /orders --url http://127.0.0.1:19102
    traffic.py 200 --header 'Authorization: Bearer legacy.abc'   # a token orders_svc rejects (401)

Standard library only: it runs with any python3.
"""

import argparse
import http.client
import json
import sys
import time
import urllib.parse


def status_class(code: int) -> str:
    return f"{code // 100}xx" if 100 <= code < 600 else "other"


def one_request(host: str, port: int, method: str, path: str, timeout: float, headers: dict):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, headers={"Connection": "close", **headers})
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("X-Served-By") or "haproxy"
    except OSError as e:
        return None, f"error: {e.__class__.__name__}"
    finally:
        conn.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("requests", nargs="?", type=int, default=None, help="how many requests")
    p.add_argument("--seconds", type=float, default=None, help="send for this long instead")
    p.add_argument("--url", default="http://127.0.0.1:19080", help="gateway base URL")
    p.add_argument("--method", default="GET")
    p.add_argument("--path", default="/orders/{n}", help="{n} is replaced by the request number")
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--header", action="append", default=[], help="'Name: value', sent with every request")
    p.add_argument("--json", action="store_true", help="print the ground truth as JSON")
    args = p.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    if args.requests is None and args.seconds is None:
        args.requests = 100

    url = urllib.parse.urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    by_server: dict = {}
    by_code: dict = {}
    sent = 0
    started = time.monotonic()
    while True:
        if args.requests is not None and sent >= args.requests:
            break
        if args.seconds is not None and time.monotonic() - started >= args.seconds:
            break
        status, server = one_request(host, port, args.method, args.path.replace("{n}", str(sent)), args.timeout, headers)
        sent += 1
        key = status_class(status) if status is not None else "failed"
        counts = by_server.setdefault(server, {})
        counts[key] = counts.get(key, 0) + 1
        codes = by_code.setdefault(server, {})
        code = str(status) if status is not None else "failed"
        codes[code] = codes.get(code, 0) + 1
    elapsed = time.monotonic() - started

    truth = {
        "sent": sent,
        "seconds": round(elapsed, 3),
        "by_server": by_server,
        "by_code": by_code,
    }
    if args.json:
        json.dump(truth, sys.stdout, sort_keys=True)
        print()
    else:
        print(f"{sent} requests in {elapsed:.1f} s")
        for server, counts in sorted(by_server.items()):
            total = sum(counts.values())
            detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            print(f"  {server:<12} {total:>6}  ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
