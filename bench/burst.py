"""Bench a class of 300 students starting and submitting a timed quiz at once (DESIGN.md).

Held to: zero errors, every attempt graded exactly once, p99 under 500 ms.

Setup, in process through the services: an instructor, a class with N enrolled students,
and a timed assignment drawn per student from the bank (rules, Q questions, 30 minutes,
one attempt). The students log in over HTTP before the burst (not measured). Then
student i begins at i × window / N seconds (all begin within the window) and, with no
pause, does over HTTP what the quiz page does:

  start     POST /assignments/<quiz>/start               (303 to the attempt)
  question  GET  /api/v1/attempts/<a>/questions/<n>      (prompt, layout, sequence)
  save      PUT  /api/v1/attempts/<a>/answers/<question> (a random, well-formed answer)
  finish    POST /api/v1/attempts/<a>/finish             (every 10th student clicks twice)

The clients run in several processes (threads inside, one keep-alive connection per
student) so that the client is not the bottleneck; its CPU time is reported. Afterwards
the database is checked: one attempt per student, finished, its score the sum of its
answers' points, every answer saved once, and — counted by triggers the bench adds to its
own database — the attempt closed once and its score written once.

Usage: .venv/bin/python bench/burst.py [--students 300] [--questions 10] [--window 10]
       DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_bench .venv/bin/python ...
"""

import argparse
import http.client
import json
import math
import multiprocessing
import os
import random
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import common

# Bench accounts get a cheaper stored hash (the login code is the same; werkzeug reads the
# cost from the hash): 300 logins at N=2^17 take minutes on 2 cores and are not measured.
BENCH_HASH = "scrypt:4096:8:1"
KINDS = ("start", "question", "save", "finish")
AGENT = f"Python-urllib/{sys.version_info.major}.{sys.version_info.minor}"  # as common.Session
TRIGGERS = {
    "sqlite": [
        "CREATE TABLE bench_grading (attempt_id INTEGER NOT NULL, event TEXT NOT NULL)",
        """CREATE TRIGGER bench_closed AFTER UPDATE OF state ON attempt
           WHEN OLD.state = 'in_progress' AND NEW.state = 'finished'
           BEGIN INSERT INTO bench_grading VALUES (NEW.id, 'closed'); END""",
        """CREATE TRIGGER bench_scored AFTER UPDATE OF score ON attempt
           WHEN NEW.score IS NOT NULL
           BEGIN INSERT INTO bench_grading VALUES (NEW.id, 'scored'); END""",
    ],
    "postgresql": [
        "CREATE TABLE bench_grading (attempt_id INTEGER NOT NULL, event TEXT NOT NULL)",
        """CREATE FUNCTION bench_log() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN INSERT INTO bench_grading VALUES (NEW.id, TG_ARGV[0]); RETURN NULL; END $$""",
        """CREATE TRIGGER bench_closed AFTER UPDATE OF state ON attempt FOR EACH ROW
           WHEN (OLD.state = 'in_progress' AND NEW.state = 'finished')
           EXECUTE FUNCTION bench_log('closed')""",
        """CREATE TRIGGER bench_scored AFTER UPDATE OF score ON attempt FOR EACH ROW
           WHEN (NEW.score IS NOT NULL) EXECUTE FUNCTION bench_log('scored')""",
    ],
}


def app_context():
    """Return an app context on the bench database (the environment is the bench's)."""
    from quiz import create_app

    return create_app().app_context()


def setup(env: dict, students: int, questions: int) -> int:
    """Create the instructor, the class of enrolled students and the timed assignment; add
    the counting triggers; return the assignment's id."""
    common.seed_students(env, 1, role="instructor", prefix="t")
    common.seed_students(env, students)
    from sqlalchemy import insert, select, text, update
    from werkzeug.security import generate_password_hash

    from quiz.core.quizbuild import Rules
    from quiz.db import db, utcnow
    from quiz.models import Enrollment, User
    from quiz.services import classes

    with app_context():
        db.session.execute(
            update(User)
            .where(User.email.like("%@bench.test"))
            .values(password_hash=generate_password_hash(common.PASSWORD, BENCH_HASH))
        )
        db.session.commit()
        teacher = db.session.scalars(select(User).where(User.email == "t0@bench.test")).one()
        classroom = classes.create_class(teacher, "Burst 101")
        ids = db.session.scalars(select(User.id).where(User.email.like("s%@bench.test"))).all()
        db.session.execute(
            insert(Enrollment), [{"classroom_id": classroom.id, "user_id": i} for i in ids]
        )
        db.session.commit()
        settings = classes.AssignmentSettings(
            title="Burst quiz",
            due_at=utcnow() + timedelta(days=1),
            time_limit_min=30,
            attempts_allowed=1,
        )
        assignment = classes.create_assignment(
            teacher, classroom.id, "china-and-nato", settings, rules=Rules(count=questions)
        )
        quiz_id = assignment.id
        for statement in TRIGGERS[common.engine_name(env)]:
            db.session.execute(text(statement))
        db.session.commit()
        db.engine.dispose()
    return quiz_id


class Browser:
    """One student's keep-alive connection with the session cookie, timing every request."""

    def __init__(self, base: str, cookie: str, token: str, records: list, lock):
        self.address = urllib.parse.urlsplit(base).netloc
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; ") if part)
        self.token = token
        self.records, self.lock = records, lock
        self.conn = http.client.HTTPConnection(self.address, timeout=120)
        self.reconnects = 0

    def request(self, kind: str, method: str, path: str, body: dict | None = None):
        """Send one request; record (kind, ms, status); return (status, headers, JSON or None)."""
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": self.token,
            "Accept": "application/json",
            "User-Agent": AGENT,  # Flask-Login ties the session to the agent that logged in
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        try:
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: a browser resends once.
                self.reconnects += 1
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.address, timeout=120)
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
            payload = response.read()
        except Exception as error:  # noqa: BLE001 - counted and reported as an error
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.address, timeout=120)
            with self.lock:
                self.records.append((kind, 1000 * (time.perf_counter() - began), 0, repr(error)))
            return 0, {}, None
        elapsed = 1000 * (time.perf_counter() - began)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        status = response.status
        note = None if 200 <= status < 400 else payload[:200].decode(errors="replace")
        with self.lock:
            self.records.append((kind, elapsed, status, note))
        parsed = None
        if payload and response.getheader("Content-Type", "").startswith("application/json"):
            parsed = json.loads(payload)
        return status, dict(response.getheaders()), parsed


def answer_for(question: dict, rng: random.Random) -> object:
    """Return a random, well-formed response to a question as the API shows it."""
    kind, view = question["type"], question["layout"]
    if kind == "mcq":
        return rng.choice(view["options"])
    if kind == "multi":
        return rng.sample(view["options"], rng.randint(1, len(view["options"])))
    if kind == "true_false":
        return rng.random() < 0.5
    if kind == "numeric":
        return rng.choice([1949, 1999, 2001, 2012])
    if kind == "matching":
        rights = list(view["rights"])
        rng.shuffle(rights)
        return dict(zip(view["lefts"], rights, strict=True))
    if kind == "ordering":
        items = list(view["items"])
        rng.shuffle(items)
        return items
    if kind == "cloze":
        return [rng.choice(["NATO", "China", "2012"]) for _ in view["parts"][1:]]
    return rng.choice(["NATO", "Beijing", "Rasmussen", "Hu Jintao"])  # short


def one_student(base, quiz_id, questions, student, t0, records, lock, outcome) -> None:
    """Start, answer every question, finish (twice at once for a double-clicker)."""
    time.sleep(max(0.0, t0 + student["offset"] - time.time()))
    rng = random.Random(student["email"])
    browser = Browser(base, student["cookie"], student["token"], records, lock)
    result = {"email": student["email"], "attempt": None, "scores": []}
    outcome.append(result)
    status, headers, _ = browser.request("start", "POST", f"/assignments/{quiz_id}/start")
    location = headers.get("Location", "")
    if status != 303 or "/attempts/" not in location:
        return
    attempt = int(location.rstrip("/").rsplit("/", 1)[1])
    result["attempt"] = attempt
    for number in range(1, questions + 1):
        status, _, question = browser.request(
            "question", "GET", f"/api/v1/attempts/{attempt}/questions/{number}"
        )
        if status != 200:
            continue  # recorded as an error
        body = {"response": answer_for(question, rng), "sequence": question["sequence"]}
        browser.request(
            "save", "PUT", f"/api/v1/attempts/{attempt}/answers/{question['question_id']}", body
        )
    finish = f"/api/v1/attempts/{attempt}/finish"
    if student["double"]:
        twin = Browser(base, student["cookie"], student["token"], records, lock)
        second = threading.Thread(
            target=lambda: result["scores"].append(twin.request("finish", "POST", finish)[2])
        )
        second.start()
        result["scores"].append(browser.request("finish", "POST", finish)[2])
        second.join()
        result["reconnects"] = browser.reconnects + twin.reconnects
    else:
        result["scores"].append(browser.request("finish", "POST", finish)[2])
        result["reconnects"] = browser.reconnects


def client_process(base: str, quiz_id: int, questions: int, students: list, t0: float) -> dict:
    """Run a share of the students, one thread each; return records, outcomes and CPU time."""
    records, outcome, lock = [], [], threading.Lock()
    cpu = time.process_time()
    threads = [
        threading.Thread(
            target=one_student, args=(base, quiz_id, questions, s, t0, records, lock, outcome)
        )
        for s in students
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"records": records, "outcome": outcome, "cpu_s": time.process_time() - cpu}


def log_in(base: str, count: int) -> list[dict]:
    """Log every student in (8 at a time); return their cookies and CSRF tokens."""

    def one(n: int) -> dict:
        session = common.Session(base, f"s{n}@bench.test")
        return {"email": f"s{n}@bench.test", "cookie": session.cookie, "token": session.token}

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def cpu_busy() -> tuple[int, int]:
    """Return the machine's (busy, total) CPU ticks from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def verify(quiz_id: int, students: int, questions: int, outcome: list[dict]) -> dict:
    """Check in the database that each student has one finished attempt graded once."""
    from sqlalchemy import case, func, select, text

    from quiz.db import db
    from quiz.models import Answer, Attempt, User

    with app_context():
        attempts = db.session.execute(
            select(User.email, Attempt)
            .join(Attempt, Attempt.user_id == User.id)
            .where(Attempt.quiz_id == quiz_id)
        ).all()
        answers = {
            row.attempt_id: row
            for row in db.session.execute(
                select(
                    Answer.attempt_id,
                    func.count().label("n"),
                    func.count(Answer.points).label("graded"),
                    func.count(Answer.response).label("answered"),
                    func.coalesce(func.sum(Answer.points), 0).label("points"),
                    func.sum(case((Answer.sequence == 1, 1), else_=0)).label("saved_once"),
                )
                .join(Attempt, Attempt.id == Answer.attempt_id)
                .where(Attempt.quiz_id == quiz_id)
                .group_by(Answer.attempt_id)
            )
        }
        events: dict[tuple[int, str], int] = {}
        for attempt_id, event, n in db.session.execute(
            text("SELECT attempt_id, event, count(*) FROM bench_grading GROUP BY 1, 2")
        ):
            events[(attempt_id, event)] = n
        db.engine.dispose()
    by_email: dict[str, list] = {}
    for email, attempt in attempts:
        by_email.setdefault(email, []).append(attempt)
    seen = {o["email"]: o for o in outcome}
    problems: dict[str, int] = {}

    def problem(name: str) -> None:
        problems[name] = problems.get(name, 0) + 1

    good = 0
    for n in range(students):
        email = f"s{n}@bench.test"
        mine = by_email.get(email, [])
        if len(mine) != 1:
            problem(f"{len(mine)} attempts")
            continue
        a = mine[0]
        row = answers.get(a.id)
        checks = {
            "not finished": a.state == "finished" and a.finished_at is not None,
            "not closed by the student": a.closed_by == "student",
            "no score": a.score is not None,
            f"not {questions} answers": row is not None and row.n == questions,
            "an answer without points": row is not None and row.graded == row.n,
            "an answer not saved exactly once": row is not None
            and row.answered == row.n == row.saved_once,
            "score is not the sum of points": row is not None
            and a.score is not None
            and abs(a.score - round(float(row.points), 4)) < 1e-6,
            "closed more than once (trigger)": events.get((a.id, "closed"), 0) == 1,
            "score written more than once (trigger)": events.get((a.id, "scored"), 0) == 1,
            "finish answered another score": all(
                s is not None and s.get("score") == a.score for s in seen[email]["scores"]
            )
            if email in seen
            else False,
        }
        failed = [name for name, ok in checks.items() if not ok]
        for name in failed:
            problem(name)
        good += not failed
    return {"graded_once": good, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--questions", type=int, default=10, help="per attempt (5 to 50)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds to spread starts")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--double-every", type=int, default=10, help="0: nobody double-clicks")
    parser.add_argument("--port", type=int, default=5093)
    args = parser.parse_args()

    env = common.bench_env()
    os.environ.update(env)  # the in-process setup and checks use the bench database
    engine = common.engine_name(env)
    common.reset_database(env)
    quiz_id = setup(env, args.students, args.questions)

    with common.server(env, args.port) as base:
        began = time.monotonic()
        sessions = log_in(base, args.students)
        print(f"logged in {args.students} students in {time.monotonic() - began:.1f} s")
        order = list(range(args.students))
        random.Random(0).shuffle(order)
        for slot, n in enumerate(order):
            sessions[n]["offset"] = slot * args.window / args.students
            sessions[n]["double"] = bool(args.double_every) and n % args.double_every == 0
        shares = [sessions[i :: args.processes] for i in range(args.processes)]
        t0 = time.time() + 2.0  # time for the client processes to spawn
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.processes) as pool:
            pending = pool.starmap_async(
                client_process, [(base, quiz_id, args.questions, s, t0) for s in shares]
            )
            time.sleep(max(0.0, t0 - time.time()))
            busy0, total0 = cpu_busy()
            parts = pending.get()
            busy1, total1 = cpu_busy()
        wall = time.time() - t0

    records = [r for p in parts for r in p["records"]]
    outcome = [o for p in parts for o in p["outcome"]]
    client_cpu = sum(p["cpu_s"] for p in parts)
    machine = (busy1 - busy0) / max(1, total1 - total0)
    checked = verify(quiz_id, args.students, args.questions, outcome)

    errors = [r for r in records if not 200 <= r[2] < 400]
    stats = {}
    for kind in (*KINDS, "all"):
        times = sorted(r[1] for r in records if kind in ("all", r[0]))
        stats[kind] = {
            "requests": len(times),
            "errors": sum(1 for r in errors if kind in ("all", r[0])),
            "p50_ms": percentile(times, 0.50),
            "p99_ms": percentile(times, 0.99),
            "max_ms": times[-1] if times else None,
        }
    by_error: dict[str, int] = {}
    for kind, _, status, note in errors:
        key = f"{kind} {status} {(note or '')[:80]}"
        by_error[key] = by_error.get(key, 0) + 1
    reconnects = sum(o.get("reconnects", 0) for o in outcome)

    print(
        f"{args.students} students, {args.questions} questions each, starts spread over "
        f"{args.window:g} s, every {args.double_every or '-'}th finishes twice at once; "
        f"{engine}, {os.cpu_count()} cores (shared: absolute figures are noisy)"
    )
    print(f"  {'kind':9} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, s in stats.items():
        if s["requests"]:
            print(
                f"  {kind:9} {s['requests']:8} {s['errors']:6} {s['p50_ms']:8.1f} "
                f"{s['p99_ms']:8.1f} {s['max_ms']:8.1f}"
            )
    print(
        f"  offered {len(records) / args.window:.0f} req/s over the window; served in {wall:.1f} s "
        f"({len(records) / wall:.0f} req/s); "
        f"machine CPU {100 * machine:.0f}% busy; client CPU {client_cpu:.1f} s "
        f"({client_cpu / wall:.2f} cores); reconnects {reconnects}"
    )
    for key, n in sorted(by_error.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  error ×{n}: {key}")
    for name, n in sorted(checked["problems"].items(), key=lambda kv: -kv[1]):
        print(f"  check failed ×{n}: {name}")
    path = common.save(
        "burst",
        env,
        {
            "students": args.students,
            "questions": args.questions,
            "window_s": args.window,
            "double_every": args.double_every,
            "client_processes": args.processes,
            "wall_s": wall,
            "client_cpu_s": client_cpu,
            "machine_cpu_busy": machine,
            "reconnects": reconnects,
            "kinds": stats,
            "errors_by_kind": by_error,
            "graded_once": checked["graded_once"],
            "problems": checked["problems"],
        },
    )
    print(f"  results: {path.relative_to(common.ROOT)}")
    p99 = stats["all"]["p99_ms"] or 0.0
    print(
        f"burst: {len(errors)} errors, {checked['graded_once']} of {args.students} attempts "
        f"graded once, p99 {p99:.0f} ms ({engine})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
