"""The orders domain as the lab serves it: one FastAPI app, run twice.

APP_NAME=monolith stands for the monolith's orders module, APP_NAME=orders_svc for the new
service carved out of it. Both expose the same routes, so HAProxy can split /orders between
them, and both are instrumented the way a real service is (prometheus-fastapi-instrumentator,
plus the saga_* convention documented in docs/presets.md).

What each writes (when DATABASE_URL is set, by lab/up.sh): a completed POST /orders of the
monolith inserts the order and its two items into the monolith's `orders` and `order_items`
(tables the orders domain owns, replicated to orders_svc by logical replication) and takes the
stock from `inventory`; orders_svc inserts one row into its own `order_events`. One connection
per write, closed after it: PostgreSQL counts a session's rows in pg_stat_user_tables when it
ends, so the exporters see every write at their next scrape.

Trust boundary: GET /orders/{order_id} with an `Authorization: Bearer ISSUER.anything` header
answers 401 unless ISSUER is one the app accepts (ACCEPTED_ISSUERS; the monolith accepts
`legacy` and `v2`, orders_svc only `v2`: the classic cutover failure, valid tokens rejected by
the new service). Without the header the route is anonymous, as before.

Metrics: the instrumentator's names and labels (http_requests_total{method,status,handler} with
exact status codes, http_request_duration_seconds{method,handler} with its default buckets 0.1,
0.5, 1), observed with an exemplar {trace_id} per request (the W3C traceparent's trace ID when
the request has one, else a new one, echoed in the response's traceparent). GET /metrics answers
OpenMetrics, exemplars included, when the Accept header names application/openmetrics-text
(prometheus_client's own negotiation), else the Prometheus text format.

Knobs for the tests (not for production):
  POST /admin/error-rate?rate=0.25   the share of GET /orders/{order_id} answered with a 500
  POST /admin/saga-failure-rate?rate=0.2   the share of POST /orders whose saga fails
Failures are spread evenly (request n fails when floor((n+1)*rate) > floor(n*rate)), so a run
of N requests fails exactly floor(N*rate) of them, whatever the timing.
"""

import math
import os
import re
import secrets
import threading
from typing import Optional

import psycopg
from fastapi import FastAPI, Header, HTTPException, Request, Response
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_fastapi_instrumentator import Instrumentator, metrics

APP_NAME = os.environ.get("APP_NAME", "monolith")
DOMAIN = "orders"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ACCEPTED_ISSUERS = set(filter(None, os.environ.get("ACCEPTED_ISSUERS", "legacy,v2").split(",")))

app = FastAPI(title=f"orders ({APP_NAME})")

REQUESTS = Counter(
    "http_requests_total",
    "Total number of requests by method, status and handler.",
    ["method", "status", "handler"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ",
    ["method", "handler"],
    buckets=(0.1, 0.5, 1, float("inf")),
)
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def with_exemplars(info: metrics.Info) -> None:
    """The instrumentator's two SLI metrics, each observation with its request's trace ID."""
    exemplar = {"trace_id": info.request.state.trace_id}
    REQUESTS.labels(info.method, info.modified_status, info.modified_handler).inc(exemplar=exemplar)
    LATENCY.labels(info.method, info.modified_handler).observe(
        info.modified_duration, exemplar=exemplar
    )


Instrumentator(should_group_status_codes=False).add(
    with_exemplars
).instrument(app)


@app.middleware("http")
async def trace(request: Request, call_next):
    """The request's trace ID: its W3C traceparent's, or a new one; echoed in the response."""
    m = TRACEPARENT.match(request.headers.get("traceparent", ""))
    request.state.trace_id = m.group(1) if m else secrets.token_hex(16)
    response = await call_next(request)
    response.headers["traceparent"] = f"00-{request.state.trace_id}-{secrets.token_hex(8)}-01"
    return response


@app.get("/metrics", include_in_schema=False)
def metrics_endpoint(request: Request):
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(content=encoder(REGISTRY), headers={"Content-Type": content_type})

SAGA_STARTED = Counter("saga_started_total", "Sagas started", ["saga", "domain"])
SAGA_COMPLETED = Counter("saga_completed_total", "Sagas completed", ["saga", "domain"])
SAGA_FAILED = Counter(
    "saga_failed_total", "Sagas failed", ["saga", "domain", "step", "reason"]
)
SAGA_COMPENSATION = Counter(
    "saga_compensation_total", "Compensation steps run", ["saga", "domain", "step", "result"]
)
SAGA_IN_PROGRESS = Gauge("saga_in_progress", "Sagas in flight", ["saga", "domain"])

# Series exist from the start, at 0: "no saga failed yet" reads as 0, not as no data.
_SAGA = {"saga": "place_order", "domain": DOMAIN}
for metric in (SAGA_STARTED, SAGA_COMPLETED, SAGA_IN_PROGRESS):
    metric.labels(**_SAGA)
SAGA_FAILED.labels(step="charge_payment", reason="declined", **_SAGA)
SAGA_COMPENSATION.labels(step="reserve_inventory", result="ok", **_SAGA)


class EvenFailures:
    """Fails a given share of calls, evenly spread and exactly counted."""

    def __init__(self, rate: float):
        self.rate = rate
        self.calls = 0
        self.lock = threading.Lock()

    def set(self, rate: float) -> None:
        with self.lock:
            self.rate = rate
            self.calls = 0

    def next_fails(self) -> bool:
        with self.lock:
            n = self.calls
            self.calls += 1
            return math.floor((n + 1) * self.rate) > math.floor(n * self.rate)


errors = EvenFailures(float(os.environ.get("ERROR_RATE", "0")))
saga_failures = EvenFailures(float(os.environ.get("SAGA_FAILURE_RATE", "0")))


def served_by(response: Response) -> None:
    response.headers["X-Served-By"] = APP_NAME


def authorized(authorization: Optional[str]) -> bool:
    """No header: anonymous, allowed. A bearer token: its issuer (before the first dot) must be
    one this app accepts."""
    if authorization is None:
        return True
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and token.partition(".")[0] in ACCEPTED_ISSUERS


@app.get("/orders/{order_id}")
def get_order(order_id: str, response: Response, authorization: Optional[str] = Header(None)):
    if not authorized(authorization):
        raise HTTPException(
            status_code=401,
            detail="invalid token",
            headers={"X-Served-By": APP_NAME, "WWW-Authenticate": "Bearer"},
        )
    if errors.next_fails():
        raise HTTPException(
            status_code=500, detail="order store unavailable", headers={"X-Served-By": APP_NAME}
        )
    served_by(response)
    return {"order_id": order_id, "status": "confirmed", "served_by": APP_NAME}


@app.post("/orders")
def place_order(response: Response):
    """Runs the place_order saga: reserve inventory, charge payment; compensate on failure."""
    labels = _SAGA
    SAGA_STARTED.labels(**labels).inc()
    SAGA_IN_PROGRESS.labels(**labels).inc()
    try:
        if saga_failures.next_fails():
            SAGA_FAILED.labels(step="charge_payment", reason="declined", **labels).inc()
            SAGA_COMPENSATION.labels(step="reserve_inventory", result="ok", **labels).inc()
            served_by(response)
            response.status_code = 409
            return {"saga": "place_order", "outcome": "compensated", "served_by": APP_NAME}
        write_order()
        SAGA_COMPLETED.labels(**labels).inc()
        served_by(response)
        return {"saga": "place_order", "outcome": "completed", "served_by": APP_NAME}
    finally:
        SAGA_IN_PROGRESS.labels(**labels).dec()


def write_order() -> None:
    """The rows a placed order writes, each app to its own database (see the module's doc)."""
    if not DATABASE_URL:
        return
    with psycopg.connect(DATABASE_URL) as conn:
        if APP_NAME == "monolith":
            order_id = conn.execute(
                "INSERT INTO orders (customer, total_cents) VALUES (%s, %s) RETURNING id",
                ("lab", 4200),
            ).fetchone()[0]
            for sku in ("sku-1", "sku-2"):
                conn.execute(
                    "INSERT INTO order_items (order_id, sku, qty) VALUES (%s, %s, 1)",
                    (order_id, sku),
                )
                conn.execute("UPDATE inventory SET stock = stock - 1 WHERE sku = %s", (sku,))
        else:
            conn.execute(
                "INSERT INTO order_events (kind) VALUES ('order_placed')",
            )


@app.get("/healthz")
def healthz():
    return {"ok": True, "app": APP_NAME}


@app.post("/admin/error-rate")
def set_error_rate(rate: float):
    if not 0.0 <= rate <= 1.0:
        raise HTTPException(status_code=400, detail="rate must be between 0 and 1")
    errors.set(rate)
    return {"app": APP_NAME, "error_rate": rate}


@app.get("/admin/error-rate")
def get_error_rate():
    return {"app": APP_NAME, "error_rate": errors.rate}


@app.post("/admin/saga-failure-rate")
def set_saga_failure_rate(rate: float):
    if not 0.0 <= rate <= 1.0:
        raise HTTPException(status_code=400, detail="rate must be between 0 and 1")
    saga_failures.set(rate)
    return {"app": APP_NAME, "saga_failure_rate": rate}
