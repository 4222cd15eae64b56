"""The orders domain as the lab serves it: one FastAPI app, run twice.

APP_NAME=monolith stands for the monolith's orders module, APP_NAME=orders_svc for the new
service carved out of it. Both expose the same routes, so HAProxy can split /orders between
them, and both are instrumented the way a real service is (prometheus-fastapi-instrumentator,
plus the saga_* convention documented in docs/presets.md).

Knobs for the tests (not for production):
  POST /admin/error-rate?rate=0.25   the share of GET /orders/{order_id} answered with a 500
  POST /admin/saga-failure-rate?rate=0.2   the share of POST /orders whose saga fails
Failures are spread evenly (request n fails when floor((n+1)*rate) > floor(n*rate)), so a run
of N requests fails exactly floor(N*rate) of them, whatever the timing.
"""

import math
import os
import threading

from fastapi import FastAPI, HTTPException, Response
from prometheus_client import Counter, Gauge
from prometheus_fastapi_instrumentator import Instrumentator

APP_NAME = os.environ.get("APP_NAME", "monolith")
DOMAIN = "orders"

app = FastAPI(title=f"orders ({APP_NAME})")
Instrumentator().instrument(app).expose(app)

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


@app.get("/orders/{order_id}")
def get_order(order_id: str, response: Response):
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
        SAGA_COMPLETED.labels(**labels).inc()
        served_by(response)
        return {"saga": "place_order", "outcome": "completed", "served_by": APP_NAME}
    finally:
        SAGA_IN_PROGRESS.labels(**labels).dec()


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
