"""Bench a login burst against /healthz on the same server (DESIGN.md: logging in never
starves the server; other requests keep p99 under 50 ms while 24 logins run at once).

Starts gunicorn with gunicorn.conf.py on a fresh database (SQLite, or DATABASE_URL) whose
students share one real password hash made by `quiz user create` (so the production
hashing parameters). A separate process asks for /healthz at a fixed rate (every 10 ms by
default, each request on a new connection, so both workers are sampled) and counts each
latency from the moment the request was due, not from when it was sent: a stalled server
is not hidden by a poller that waits for it (no coordinated omission). Then, per round,
24 threads pass a barrier together and each logs in: GET /auth/login for the CSRF token,
POST the form, expect a 302. One burst first is not measured: it warms the workers (their
first requests open database connections and compile templates). /healthz latencies are
reported while the measured logins ran and, for comparison, while nothing else ran.

Usage: .venv/bin/python bench/login_burst.py [--logins 24] [--rounds 5] [--warmup 1]
       [--port 5097]; QUIZ_THREADS / QUIZ_WORKERS change gunicorn.conf.py's numbers.
"""

import argparse
import http.client
import math
import multiprocessing
import re
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from common import (
    PASSWORD,
    bench_env,
    engine_name,
    reset_database,
    save,
    seed_students,
    server,
    server_settings,
)
from sqlalchemy import create_engine, text

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def percentile(values: list[float], q: float) -> float | None:
    """Return the nearest-rank q-th percentile of values (in the values' unit)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    """Return count, p50, p99 and max of latencies given in seconds, in milliseconds."""
    ms = lambda v: None if v is None else round(1000 * v, 1)  # noqa: E731
    return {
        "count": len(values),
        "p50_ms": ms(percentile(values, 50)),
        "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(max(values) if values else None),
    }


def poll_healthz(port: int, interval: float, stop, pending, results) -> None:
    """Ask for /healthz every `interval` s until `stop` is set; send back (due, latency, ok).

    `pending` counts the requests due and not answered yet (the bench waits for it to drain
    between rounds, so one round's backlog does not land in the next).
    """
    samples: list[tuple[float, float, bool]] = []
    lock = threading.Lock()

    def fetch(due: float) -> None:
        ok = True
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
            conn.close()
        except OSError:
            ok = False
        with lock:
            samples.append((due, time.monotonic() - due, ok))
        with pending.get_lock():
            pending.value -= 1

    with ThreadPoolExecutor(max_workers=200) as pool:
        due = time.monotonic()
        while not stop.is_set():
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            with pending.get_lock():
                pending.value += 1
            pool.submit(fetch, due)
            due += interval
    results.send(samples)


def login(port: int, email: str) -> tuple[float, bool]:
    """Log in through the form as a browser would; return the POST's latency and success."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/auth/login")
    page = conn.getresponse()
    html = page.read().decode()
    cookie = page.getheader("Set-Cookie", "").split(";")[0]
    token = TOKEN_RE.search(html).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    started = time.monotonic()
    conn.request("POST", "/auth/login", body, headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.monotonic() - started
    conn.close()
    return elapsed, response.status == 302 and "/auth/" not in response.getheader("Location", "")


def burst(port: int, count: int) -> tuple[float, float, list[float], int]:
    """Run `count` logins at once; return start, end, the successful latencies, errors."""
    barrier = threading.Barrier(count + 1)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(n: int) -> None:
        nonlocal errors
        barrier.wait()
        try:
            elapsed, ok = login(port, f"s{n}@bench.test")
        except (OSError, AttributeError):  # AttributeError: no CSRF token in the page
            elapsed, ok = 0.0, False
        with lock:
            if ok:
                latencies.append(elapsed)
            else:
                errors += 1

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    return began, time.monotonic(), latencies, errors


def stored_hash_scheme(env: dict) -> str:
    """Return the students' hash method and parameters, without the salt and the hash."""
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(text('SELECT password_hash FROM "user" LIMIT 1')).scalar_one()
    engine.dispose()
    return "$".join(stored.split("$")[:4]) if stored.startswith("$") else stored.split("$")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured bursts first")
    parser.add_argument("--interval-ms", type=float, default=10)
    parser.add_argument("--port", type=int, default=5097)
    args = parser.parse_args()
    env = bench_env()
    engine = engine_name(env)
    reset_database(env)
    seed_students(env, args.logins)
    scheme = stored_hash_scheme(env)
    settings = server_settings(env)
    workers, threads = settings["workers"], settings["threads"]

    bursts: list[tuple[float, float]] = []
    logins: list[float] = []
    per_round: list[list[float]] = []
    errors = 0
    with server(env, args.port):
        for _ in range(args.warmup):
            burst(args.port, args.logins)
        stop, pending = multiprocessing.Event(), multiprocessing.Value("i", 0)
        receive, send = multiprocessing.Pipe(duplex=False)
        poller = multiprocessing.Process(
            target=poll_healthz, args=(args.port, args.interval_ms / 1000, stop, pending, send)
        )
        poller.start()
        time.sleep(2)  # /healthz alone first: the baseline
        for _ in range(args.rounds):
            began, ended, latencies, failed = burst(args.port, args.logins)
            bursts.append((began, ended))
            logins += latencies
            per_round.append(latencies)
            errors += failed
            while pending.value > 3:  # the poller's backlog, if any, drains first
                time.sleep(0.05)
            time.sleep(0.5)
        stop.set()
        samples = receive.recv()
        poller.join()

    during = [s for s in samples if any(b <= s[0] <= e for b, e in bursts)]
    idle = [s for s in samples if s[0] < bursts[0][0]]
    result = {
        "password_hash": scheme,
        "workers": int(workers),
        "threads": int(threads),
        "logins_at_once": args.logins,
        "rounds": args.rounds,
        "warmup_rounds": args.warmup,
        "healthz_interval_ms": args.interval_ms,
        "burst_seconds": [round(e - b, 2) for b, e in bursts],
        "per_round": [
            {
                "login": summary(latencies),
                "healthz": summary([s[1] for s in during if b <= s[0] <= e]),
            }
            for latencies, (b, e) in zip(per_round, bursts, strict=True)
        ],
        "login": {**summary(logins), "errors": errors},
        "healthz_during": {
            **summary([s[1] for s in during]),
            "errors": sum(not s[2] for s in during),
        },
        "healthz_idle": {**summary([s[1] for s in idle]), "errors": sum(not s[2] for s in idle)},
    }
    path = save("login_burst", env, result)

    h, i, lg = result["healthz_during"], result["healthz_idle"], result["login"]
    print(f"password hash {scheme}; gunicorn {workers} workers x {threads} threads; {engine}")
    print(f"  bursts: {args.rounds} x {args.logins} logins, seconds {result['burst_seconds']}")
    print(f"  /healthz p99 per round, ms: {[r['healthz']['p99_ms'] for r in result['per_round']]}")
    print(
        f"  login POST  p50 {lg['p50_ms']} ms  p99 {lg['p99_ms']} ms  max {lg['max_ms']} ms"
        f"  ok {lg['count']}  errors {errors}"
    )
    print(
        f"  /healthz during bursts  p50 {h['p50_ms']} ms  p99 {h['p99_ms']} ms  "
        f"max {h['max_ms']} ms  n {h['count']}  errors {h['errors']}"
    )
    print(f"  /healthz idle  p50 {i['p50_ms']} ms  p99 {i['p99_ms']} ms  n {i['count']}")
    print(f"  results: {path}")
    print(f"login burst: /healthz p99 {h['p99_ms']} ms while {args.logins} logins ran ({engine})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
