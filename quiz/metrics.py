"""Prometheus metrics: requests, latency and what students do, served at /metrics.

The official prometheus_client. Under gunicorn each worker is its own process, so
gunicorn.conf.py gives the server a fresh PROMETHEUS_MULTIPROC_DIR at every start: each
worker writes its counts to files there, /metrics adds them up across the workers (and the
workers that died), and a worker that exits is marked dead. Without that variable (tests,
one process) the counts live in this process.

The per-request cost is kept small: one counter and one histogram child per endpoint,
method and status, looked up once and kept (`_children`), so a request does a dict lookup
and two increments. /metrics answers only to the networks in METRICS_ALLOW
(QUIZ_METRICS_ALLOW; loopback by default), judged on the client's address as the proxy
setting (quiz/proxy.py) yields it; to anyone else it is an ordinary 404.
"""

import ipaddress
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

REQUESTS = Counter(
    "quiz_requests",
    "Requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "quiz_request_duration_seconds",
    "Time from the first hook to the response, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REVIEWS = Counter(
    "quiz_reviews", "Flashcard ratings applied (a replay is not counted).", ["rating"]
)
ATTEMPTS_STARTED = Counter(
    "quiz_attempts_started", "Quiz attempts begun, by kind of quiz.", ["kind"]
)
ATTEMPTS_FINISHED = Counter(
    "quiz_attempts_finished", "Quiz attempts closed and graded, by who closed them.", ["closed_by"]
)
LOGIN_FAILURES = Counter("quiz_login_failures", "Logins refused for a wrong e-mail or password.")
RATE_LIMITED = Counter(
    "quiz_rate_limit_refusals", "Requests refused by a rate limit, by limit.", ["limit"]
)

# Any client can send any method: the rest count as one, so labels stay few.
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
_children: dict[tuple[str, str, int], tuple] = {}


def _observe(response):
    started = g.get("request_started")  # set by quiz/logs.py, the first hook
    method = request.method if request.method in METHODS else "other"
    key = (request.endpoint or "none", method, response.status_code)
    pair = _children.get(key)
    if pair is None:
        pair = _children.setdefault(
            key, (REQUESTS.labels(key[0], key[1], str(key[2])), LATENCY.labels(key[0]))
        )
    pair[0].inc()
    if started is not None:
        pair[1].observe(time.perf_counter() - started)
    return response


def allowed(address: str | None, networks) -> bool:
    """Tell whether an address lies in one of the networks (an IPv4-mapped IPv6 as IPv4)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def scrape():
    """Return every metric in Prometheus's text format, summed over the workers."""
    if not allowed(request.remote_addr, current_app.config["METRICS_ALLOW"]):
        abort(404)
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Count every request and serve /metrics; call after quiz.logs (its start time)."""
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", scrape)
