"""Bench the review loop against a bare endpoint on the same server (DESIGN.md's first number).

Starts gunicorn on a fresh SQLite database (or DATABASE_URL) with the real bank,
logs in N students, then for each endpoint runs N concurrent clients for a few
seconds: GET /healthz (bare Flask) and POST /api/v1/study/reviews (rate a card,
get the next one back). Prints requests/s and latency percentiles, and the
ratio the project is held to (review loop ≥ 0.30 × bare, p99 < 100 ms at 50).

Usage: .venv/bin/python bench/review_loop.py [--students 50] [--seconds 10] [--port 5091]
"""

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "bench password 123"


def run(*args: str, env: dict) -> None:
    subprocess.run([str(BIN / "quiz"), *args], env=env, check=True, capture_output=True)


class Student:
    """One logged-in browser: a cookie jar and the CSRF token of its session."""

    def __init__(self, base: str, email: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login = self.opener.open(f"{base}/auth/login").read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
        self.opener.open(f"{base}/auth/login", data.encode()).read()
        page = self.opener.open(f"{base}/auth/password").read().decode()
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        self.card = self.get_json("/api/v1/study/next?source=china-and-nato")["card"]

    def get_json(self, path: str) -> dict:
        return json.loads(self.opener.open(self.base + path).read())

    def review(self) -> None:
        card = self.card
        body = json.dumps(
            {
                "question_id": card["question_id"],
                "rating": 4,  # Easy: the card leaves today's queue, the next one comes back
                "client_review_id": card["client_review_id"],
                "version": card["version"],
                "source": "china-and-nato",
            }
        ).encode()
        request = urllib.request.Request(
            self.base + "/api/v1/study/reviews",
            data=body,
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        self.card = json.loads(self.opener.open(request).read())["next"]["card"]

    def bare(self) -> None:
        self.opener.open(self.base + "/healthz").read()


def hammer(students: list[Student], action: str, seconds: float) -> dict:
    """Run every student's action in a loop for `seconds`; return throughput and latencies."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(student: Student) -> None:
        nonlocal errors
        while time.monotonic() < stop and (action == "bare" or student.card):
            started = time.perf_counter()
            try:
                getattr(student, action)()
            except Exception:  # noqa: BLE001 - counted and reported
                with lock:
                    errors += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=loop, args=(s,)) for s in students]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    pick = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_second": len(latencies) / elapsed,
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "mean_ms": 1000 * statistics.fmean(latencies) if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--port", type=int, default=5091)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    env = {
        **os.environ,
        "QUIZ_ENV": "production",
        "QUIZ_SECRET_KEY": "bench",
        "QUIZ_INSTANCE_PATH": str(workdir),
        "QUIZ_SESSION_COOKIE_SECURE": "0",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    run("db", "upgrade", env=env)
    run("bank", "load", env=env)
    for n in range(args.students):
        run(
            "user",
            "create",
            "--email",
            f"s{n}@bench.test",
            "--name",
            f"S{n}",
            "--password",
            PASSWORD,
            env=env,
        )
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--threads",
            "8",
            "--bind",
            f"127.0.0.1:{args.port}",
            "quiz:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.2)
        students = [Student(base, f"s{n}@bench.test") for n in range(args.students)]
        bare = hammer(students, "bare", args.seconds)
        loop = hammer(students, "review", args.seconds)
    finally:
        server.terminate()
        server.wait()
    ratio = loop["per_second"] / bare["per_second"]
    engine = env["DATABASE_URL"].split(":")[0]
    print(f"{args.students} concurrent students, {args.seconds:g} s each, {engine}")
    for name, r in (("bare /healthz", bare), ("review loop", loop)):
        print(
            f"  {name:14} {r['per_second']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
            f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}"
        )
    print(
        f"  ratio {ratio:.2f} (held to ≥ 0.30); "
        f"review p99 {loop['p99_ms']:.0f} ms (held to < 100 ms)"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "review_loop.json").write_text(
        json.dumps({"bare": bare, "review": loop, "ratio": ratio}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
