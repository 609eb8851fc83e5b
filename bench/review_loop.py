"""Bench the review loop against a bare endpoint on the same server (DESIGN.md's first number).

Starts gunicorn with gunicorn.conf.py on a fresh SQLite database (or DATABASE_URL) with the
real bank and N students whose daily limits are raised so that no run runs out of cards.
Then, in one run against one server:

1. throughput: wrk (compiled; not the bottleneck) with one connection per student drives
   GET /healthz (bare Flask), then POST /api/v1/study/reviews, its Lua script following
   the `next` card of every response, as a student rating "Good" would;
2. latency at a fixed offered rate: 200 reviews/s spread over the students, open loop
   (each review is due at its scheduled time; latency counts from that time, so a slow
   response delays the student's next one without hiding it).

The last line is the one DESIGN.md holds the project to.

Usage: .venv/bin/python bench/review_loop.py [--students 50] [--seconds 10] [--rate 200]
"""

import argparse
import http.client
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    Session,
    bench_env,
    engine_name,
    reset_database,
    save,
    seed_students,
    server,
    wrk_path,
)

SOURCE = "china-and-nato"
NEXT = f"/api/v1/study/next?source={SOURCE}"
# The agent the students logged in with: Flask-Login ties a session to it.
AGENT = f"Python-urllib/{sys.version_info.major}.{sys.version_info.minor}"

LUA_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""

LUA_REVIEW = r"""
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("n", counter)
end

function init(args)
  me = students[n]
end

function request()
  if me.q == nil then  -- out of cards: ask again (the bench checks no student got here)
    return wrk.format("GET", "%(next)s", {Cookie = me.cookie, ["User-Agent"] = "%(agent)s"})
  end
  local body = string.format(
    '{"question_id":%%d,"rating":3,"version":%%d,"client_review_id":"%%s","source":"%(source)s"}',
    me.q, me.v, me.id)
  return wrk.format("POST", "/api/v1/study/reviews",
    {["Content-Type"] = "application/json", ["X-CSRFToken"] = me.token, Cookie = me.cookie,
     ["User-Agent"] = "%(agent)s"},
    body)
end

function response(status, headers, body)
  -- Keys are sorted: "next" comes before "review", and "card" first inside it.
  local card = body:match('"card":(%%b{})')
  if status ~= 200 or card == nil then
    me.q = nil
    return
  end
  me.q = tonumber(card:match('"question_id":(%%d+)'))
  me.id = card:match('"client_review_id":"(%%x+)"')
  me.v = tonumber(card:match('"type":"[%%w_]+","version":(%%d+)}$'))
end
"""


def first_cards(students: list[Session]) -> list[dict]:
    return [s.get_json(NEXT)["card"] for s in students]


def lua_students(students: list[Session], cards: list[dict]) -> str:
    rows = []
    for s, c in zip(students, cards, strict=True):
        rows.append(
            f"{{cookie={json.dumps(s.cookie)}, token={json.dumps(s.token)}, "
            f"q={c['question_id']}, v={c['version']}, id={json.dumps(c['client_review_id'])}}}"
        )
    return "students = {\n  " + ",\n  ".join(rows) + "\n}\n"


def run_wrk(base: str, path: str, script: str, connections: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    done = subprocess.run(
        [wrk_path(), "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s",
         "--timeout", "10s", "-s", f.name, base + path],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    Path(f.name).unlink()
    result = json.loads(re.search(r"^RESULT (.*)$", done.stdout, re.M).group(1))
    seconds_run = result["duration_us"] / 1e6
    return {
        "requests": result["requests"],
        "per_second": result["requests"] / seconds_run,
        "errors": result["non2xx"] + result["socket_errors"],
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
    }


def fixed_rate(base: str, students: list[Session], rate: float, seconds: float) -> dict:
    """Offer `rate` reviews/s over the students, open loop; latency from the scheduled time."""
    host, port = base.removeprefix("http://").split(":")
    period = len(students) / rate  # each student's time between two reviews
    start = time.perf_counter() + 1.0
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def student_loop(index: int, student: Session, card: dict) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": student.token,
            "Cookie": student.cookie,
            "User-Agent": AGENT,
        }
        k = 0
        while card is not None:
            scheduled = start + index * period / len(students) + k * period
            if scheduled > start + seconds:
                break
            time.sleep(max(0.0, scheduled - time.perf_counter()))
            body = {
                "question_id": card["question_id"],
                "rating": 3,
                "version": card["version"],
                "client_review_id": card["client_review_id"],
                "source": SOURCE,
            }
            conn.request("POST", "/api/v1/study/reviews", json.dumps(body), headers)
            response = conn.getresponse()
            data = response.read()
            finished = time.perf_counter()
            with lock:
                latencies.append(finished - scheduled)
                if response.status != 200:
                    errors += 1
            card = json.loads(data)["next"]["card"] if response.status == 200 else None
            k += 1
        conn.close()

    cards = first_cards(students)
    threads = [
        threading.Thread(target=student_loop, args=(i, s, c))
        for i, (s, c) in enumerate(zip(students, cards, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()

    def pick(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "offered_per_second": rate,
        "requests": len(latencies),
        "achieved_per_second": len(latencies) / seconds,
        "errors": errors,
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "max_ms": 1000 * latencies[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--port", type=int, default=5091)
    args = parser.parse_args()
    env = bench_env()
    engine = engine_name(env)
    reset_database(env)
    n = args.students
    # Two groups: the throughput run's students have studied when the fixed-rate run starts.
    seed_students(env, 2 * n, new_per_day=9999, reviews_per_day=9999)
    with server(env, args.port) as base:
        students = [Session(base, f"s{k}@bench.test") for k in range(n)]
        others = [Session(base, f"s{k}@bench.test") for k in range(n, 2 * n)]
        cards = first_cards(students)
        bare = run_wrk(base, "/healthz", LUA_DONE, n, args.seconds)
        lua = LUA_REVIEW % {"next": NEXT, "source": SOURCE, "agent": AGENT}
        script = lua_students(students, cards) + lua
        loop = run_wrk(base, "/", script + LUA_DONE, n, args.seconds)
        left = sum(1 for card in first_cards(students) if card is None)
        steady = fixed_rate(base, others, args.rate, args.seconds)
    ratio = loop["per_second"] / bare["per_second"]
    print(f"{n} students, one wrk connection each, {args.seconds:g} s per run, {engine}")
    for name, r in (("bare /healthz", bare), ("review loop", loop)):
        print(
            f"  {name:14} {r['per_second']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
            f"p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}"
        )
    print(
        f"  fixed rate     {steady['offered_per_second']:8.1f} req/s offered, "
        f"{steady['achieved_per_second']:.1f} done  p50 {steady['p50_ms']:6.1f} ms  "
        f"p99 {steady['p99_ms']:7.1f} ms  errors {steady['errors']}"
    )
    print(f"  students out of cards after the throughput run: {left}")
    path = save(
        "review_loop",
        env,
        {"students": n, "seconds": args.seconds, "bare": bare, "review": loop,
         "fixed_rate": steady, "ratio": ratio, "out_of_cards": left},
    )  # fmt: skip
    print(f"  written to {path.relative_to(path.parents[2])}")
    print(
        f"review loop: ratio {ratio:.2f} × bare, p99 {steady['p99_ms']:.0f} ms at "
        f"{args.rate:g} req/s offered ({n} students, {engine})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
