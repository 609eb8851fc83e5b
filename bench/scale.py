"""Bench latency against data size on PostgreSQL: 15 k vs 1.5 M card states (DESIGN.md).

Held to: next card, review, dashboard, class weak topics and gradebook at 1.5 M card
states within 1.5 × their latency at 15 k.

The database grows once, smallest size first, and is measured at each size:

- always there: the bank, an instructor with a class of 300 students (each has studied
  48 of the bank's cards, with their review logs) and a 10-question assignment every one
  of them has finished (through the service's start, then graded in bulk), and for each
  size a fresh measured student with all the bank's cards studied (most due) and a
  year of review logs;
- filler students with every card of the bank studied (COPY, about LOGS review logs
  per card state) until the card_state table holds the size.

So what the measured student and the class see is the same at every size; only the
tables around them grow. At each size a gunicorn server (gunicorn.conf.py) is started
and one logged-in session sends REQUESTS sequential requests per operation (after a
short warm-up): GET /api/v1/study/next, POST /api/v1/study/reviews (the card the last
response named, rated Easy), GET /dashboard, and as the instructor GET
/teach/classes/<id>/topics and /teach/classes/<id>/gradebook.

Usage: DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_bench \\
         .venv/bin/python bench/scale.py [--sizes 15k,1.5M] [--requests 50] [--logs 3]
"""

import argparse
import functools
import io
import math
import os
import random
import statistics
import sys
import time
import urllib.error
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import common

SOURCE = "china-and-nato"
CLASS_SIZE = 300
CLASS_CARDS = 48  # cards each class student has studied
MEASURED_DUE = 0.8  # share of the measured student's cards due now
KINDS = 101  # students with id ≡ k (mod KINDS) have the same history
OPERATIONS = ("next card", "review", "dashboard", "class weak topics", "gradebook")


def parse_size(text: str) -> int:
    """Return 15000 for "15k", 1500000 for "1.5M"."""
    text = text.strip()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def label(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g}M"
    return f"{size / 1_000:g}k" if size >= 1_000 else str(size)


def app_context():
    from quiz import create_app

    return create_app().app_context()


def connect(env: dict):
    import psycopg

    url = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET synchronous_commit = off")
    return conn


class History:
    """Deterministic card states and review logs, written as COPY text."""

    CARD_COLUMNS = (
        "user_id, question_id, phase, step, stability, difficulty, due, last_review, reps, "
        "lapses, suspended, buried_until, leech, version"
    )
    LOG_COLUMNS = (
        "user_id, question_id, rating, reviewed_at, duration_ms, client_review_id, "
        "phase_before, before, after"
    )

    def __init__(self, now: datetime, logs_per_card: int):
        self.now = now
        self.top = 2 * logs_per_card - 1  # reps drawn from 1..top: mean logs_per_card
        self.stamps: dict[int, str] = {}

    def stamp(self, hours_ago: int) -> str:
        """Return the COPY text of now minus whole hours (cached: few distinct values)."""
        text = self.stamps.get(hours_ago)
        if text is None:
            text = (self.now - timedelta(hours=hours_ago)).isoformat()
            self.stamps[hours_ago] = text
        return text

    def write(self, user_id: int, question_ids: list[int], measured: bool, cards, logs) -> None:
        """Append one student's card states and review logs to the two COPY buffers."""
        seed = -1 if measured else user_id % KINDS  # every measured student: the same history
        card_rows, log_rows = self.rows(seed, tuple(question_ids), measured)
        prefix = f"{user_id}\t"
        cards.write(prefix + prefix.join(card_rows))
        logs.write(prefix + prefix.join(log_rows))

    @functools.cache  # noqa: B019 - one History per run
    def rows(self, seed: int, question_ids: tuple[int, ...], measured: bool):
        """Return the COPY lines, without their leading user id, of one kind of student."""
        cards, logs = [], []
        for q in question_ids:
            h = (seed * 2654435761 + q * 40503) & 0xFFFFFFFF
            reps = 1 + h % self.top
            stability = 2.0 + (h >> 3) % 120
            difficulty = 1.0 + ((h >> 10) % 900) / 100
            lapses = 1 if (h >> 5) % 7 == 0 and reps > 1 else 0
            if measured and (h >> 16) % 100 < 100 * MEASURED_DUE:
                due_h = 1 + (h >> 16) % 240  # due now: up to 10 days overdue
            else:
                due_h = -24 * (1 + (h >> 16) % 60)  # due within the next two months
            last_h = max(48, due_h + int(24 * stability))
            due, last = self.stamp(due_h), self.stamp(last_h)
            cards.append(
                f"{q}\t2\t\\N\t{stability}\t{difficulty}\t{due}\t{last}\t{reps}\t"
                f"{lapses}\tf\t\\N\tf\t{reps}\n"
            )
            gap = 24 * (3 + (h >> 20) % 20)
            for j in range(reps):
                at = self.stamp(min(24 * 364, last_h + (reps - 1 - j) * gap))
                rating = 1 if lapses and j == 1 else 3
                after = (
                    f'{{"phase": 2, "step": null, "stability": {stability}, '
                    f'"difficulty": {difficulty}, "due": "{due}", "last_review": "{at}", '
                    f'"reps": {j + 1}, "lapses": {lapses if j >= 1 else 0}, "version": {j + 1}}}'
                )
                before = "\\N" if j == 0 else f'{{"phase": 2, "reps": {j}, "version": {j}}}'
                logs.append(
                    f"{q}\t{rating}\t{at}\t{4000 + h % 9000}\tbench-{q}-{j}\t"
                    f"{0 if j == 0 else 2}\t{before}\t{after}\n"
                )
        return cards, logs


def copy_histories(conn, history: History, students: list[tuple[int, list[int], bool]]) -> None:
    """COPY the card states and review logs of (user id, question ids, measured) students."""
    batch = 200
    with conn.cursor() as cur:
        for start in range(0, len(students), batch):
            cards, logs = io.StringIO(), io.StringIO()
            for user_id, questions, measured in students[start : start + batch]:
                history.write(user_id, questions, measured, cards, logs)
            with cur.copy(f"COPY card_state ({History.CARD_COLUMNS}) FROM STDIN") as copy:
                copy.write(cards.getvalue())
            with cur.copy(f"COPY review_log ({History.LOG_COLUMNS}) FROM STDIN") as copy:
                copy.write(logs.getvalue())


def drop_secondary_indexes(conn, tables: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Drop the tables' unique constraints and indexes other than the primary key (a bulk
    build after the fill is much faster than keeping them up to date row by row); return
    the statements that build them again exactly as the migrations made them (these may
    run at once) and those that then turn the unique indexes back into constraints."""
    names = ", ".join(f"'{t}'::regclass" for t in tables)
    drop, build, attach = [], [], []
    for table, name, definition in conn.execute(
        f"SELECT conrelid::regclass::text, conname, pg_get_indexdef(conindid) FROM pg_constraint "
        f"WHERE conrelid IN ({names}) AND contype = 'u'"
    ):
        drop.append(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        build.append(definition)
        attach.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}")
    for name, definition in conn.execute(
        f"SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        f"WHERE indrelid IN ({names}) AND NOT indisprimary AND indexrelid NOT IN "
        f"(SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u'))"
    ):
        drop.append(f"DROP INDEX {name}")
        build.append(definition)
    for statement in drop:
        conn.execute(statement)
    return build, attach


def run_at_once(env: dict, statements: list[str], connections: int = 3) -> None:
    """Run independent statements on several connections (the server then uses more than
    one core, and gets a fairer share of a busy machine)."""

    def one(statement: str) -> None:
        with connect(env) as conn:
            conn.execute("SET session_replication_role = replica")
            conn.execute("SET maintenance_work_mem = '256MB'")
            conn.execute(statement)

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(one, statements))


def base_setup(env: dict, sizes: list[int], history: History) -> dict:
    """Create the class of 300 with a finished assignment, and one measured student per
    size; return the ids the bench needs."""
    common.seed_students(env, 1, role="instructor", prefix="t")
    common.seed_students(env, CLASS_SIZE + len(sizes), prefix="s")  # the class, then measured
    from sqlalchemy import insert, select, text

    from quiz.core.quizbuild import Rules, pick
    from quiz.db import db, utcnow
    from quiz.models import Enrollment, Question, Quiz, Source, User
    from quiz.services import classes
    from quiz.services.quizzes import _new_attempt, bank_questions, pool_of

    with app_context():
        teacher = db.session.scalars(select(User).where(User.email == "t0@bench.test")).one()
        everyone = db.session.scalars(
            select(User).where(User.email.like("s%@bench.test")).order_by(User.id)
        ).all()
        students, measured = everyone[:CLASS_SIZE], everyone[CLASS_SIZE:]
        for user in measured:  # they may review as much as the bench asks of them today
            user.reviews_per_day = 9999
        measured = [(user.id, user.email) for user in measured]
        question_ids = db.session.scalars(
            select(Question.id)
            .join(Source, Source.id == Question.source_id)
            .where(Source.slug == SOURCE, Question.origin == "bank", Question.archived.is_(False))
            .order_by(Question.id)
        ).all()
        classroom = classes.create_class(teacher, "Scale 101")
        class_id = classroom.id
        db.session.execute(
            insert(Enrollment), [{"classroom_id": class_id, "user_id": s.id} for s in students]
        )
        db.session.commit()
        settings = classes.AssignmentSettings(
            title="Scale quiz", due_at=utcnow() + timedelta(days=7), time_limit_min=30
        )
        quiz_id = classes.create_assignment(
            teacher, class_id, SOURCE, settings, rules=Rules(count=10)
        ).id
        # What start_assignment does for each student, in one transaction for all 300.
        quiz = db.session.get(Quiz, quiz_id)
        bank = bank_questions(db.session, quiz.source_id)
        rng, now = random.Random(0), utcnow()
        window = classes.window_for(quiz, None)
        for student in students:
            chosen = pick(pool_of(bank), classes.rules_from(quiz.rules), rng)
            _new_attempt(db.session, quiz, student, chosen, bank, now, rng, window=window)
        db.session.commit()
        # Graded in bulk: a well-formed finish of every attempt, points 0 or 1 per answer.
        db.session.execute(
            text("""
            UPDATE answer SET response = to_json('bench'::text), sequence = 1,
                   saved_at = now(), points = ((answer.id * 7 + question_id) % 3 > 0)::int
            FROM attempt WHERE attempt.id = answer.attempt_id AND attempt.quiz_id = :quiz
            """),
            {"quiz": quiz_id},
        )
        db.session.execute(
            text("""
            UPDATE attempt SET state = 'finished', closed_by = 'student',
                   finished_at = started_at + interval '12 minutes',
                   score = (SELECT sum(points) FROM answer WHERE attempt_id = attempt.id)
            WHERE quiz_id = :quiz
            """),
            {"quiz": quiz_id},
        )
        db.session.commit()
        db.engine.dispose()
    n = len(question_ids)
    per_student = [
        (s.id, [question_ids[(i * 13 + k) % n] for k in range(CLASS_CARDS)], False)
        for i, s in enumerate(students)
    ]
    per_student += [(m, question_ids, True) for m, _ in measured]
    with connect(env) as conn:
        conn.execute("SET session_replication_role = replica")  # FKs hold by construction
        copy_histories(conn, history, per_student)
    return {
        "class_id": class_id,
        "quiz_id": quiz_id,
        "question_ids": question_ids,
        "measured": dict(zip(sizes, [email for _, email in measured], strict=True)),
    }


def clone_histories(env: dict, conn, models: list[int], ids: list[int]) -> None:
    """Give each student of `ids` the card states and review logs of the model student of
    the same kind (same id modulo KINDS): what History would have written for them."""
    conn.execute("CREATE TABLE bench_model (kind int PRIMARY KEY, user_id int)")
    conn.execute("CREATE TABLE bench_new (id int)")
    with conn.cursor() as cur:
        with cur.copy("COPY bench_model FROM STDIN") as copy:
            copy.write("".join(f"{i % KINDS}\t{i}\n" for i in models))
        with cur.copy("COPY bench_new FROM STDIN") as copy:
            copy.write("".join(f"{i}\n" for i in ids))
    inserts = []
    for table, columns in (
        ("review_log", History.LOG_COLUMNS),
        ("card_state", History.CARD_COLUMNS),
    ):
        rest = columns.split(", ", 1)[1]
        inserts.append(
            f"INSERT INTO {table} ({columns}) SELECT n.id, {rest} FROM bench_new n "
            f"JOIN bench_model m ON m.kind = n.id % {KINDS} JOIN {table} t ON t.user_id = m.user_id"
        )
    run_at_once(env, inserts)
    conn.execute("DROP TABLE bench_model, bench_new")


def grow(env: dict, history: History, question_ids: list[int], size: int) -> dict:
    """Add filler students with every card studied until card_state holds `size` rows."""
    began = time.monotonic()
    with connect(env) as conn:
        have = conn.execute("SELECT count(*) FROM card_state").fetchone()[0]
        fillers = max(0, math.ceil((size - have) / len(question_ids)))
        first = conn.execute("SELECT count(*) FROM \"user\" WHERE email LIKE 'f%'").fetchone()[0]
        password_hash = conn.execute(
            "SELECT password_hash FROM \"user\" WHERE email = 's0@bench.test'"
        ).fetchone()[0]
        conn.execute("SET session_replication_role = replica")
        with conn.cursor() as cur:
            with cur.copy(
                'COPY "user" (email, name, password_hash, role, session_version, timezone, '
                "created_at) FROM STDIN"
            ) as copy:
                stamp = history.stamp(24 * 400)
                for n in range(first, first + fillers):
                    copy.write(
                        f"f{n}@bench.test\tf{n}\t{password_hash}\tstudent\t1\tUTC\t{stamp}\n"
                    )
            ids = [
                row[0]
                for row in cur.execute(
                    "SELECT id FROM \"user\" WHERE email LIKE 'f%%' ORDER BY id OFFSET %s",
                    (first,),
                )
            ]
        build, attach = [], []
        if fillers * len(question_ids) > 50_000:
            build, attach = drop_secondary_indexes(conn, ("card_state", "review_log"))
        # COPY the first KINDS fillers (one of each kind of history), then copy their rows
        # inside the server to the others: no text to parse, about twice as fast.
        copy_histories(conn, history, [(i, question_ids, False) for i in ids[:KINDS]])
        if len(ids) > KINDS:
            clone_histories(env, conn, ids[:KINDS], ids[KINDS:])
        copied = time.monotonic() - began
        run_at_once(env, build)
        for statement in attach:
            conn.execute(statement)
        indexed = time.monotonic() - began - copied
        run_at_once(env, ["VACUUM ANALYZE review_log", "VACUUM ANALYZE card_state"])
        conn.execute('VACUUM ANALYZE "user"')
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("card_state", "review_log", '"user"', "attempt", "answer")
        }
    counts["user"] = counts.pop('"user"')
    return {
        "fillers_added": fillers,
        "copy_s": copied,
        "index_s": indexed,
        "fill_s": time.monotonic() - began,
        "rows": counts,
    }


def timed(call, count: int, budget: float = math.inf) -> list[float]:
    """Run `call` `count` times in a row, or fewer (at least 5) once `budget` seconds are
    spent; return the latencies in ms."""
    out = []
    stop = time.monotonic() + budget
    for n in range(count):
        if n >= 5 and time.monotonic() > stop:
            break
        began = time.perf_counter()
        call()
        out.append(1000 * (time.perf_counter() - began))
    return out


def measure(
    base: str, student_email: str, class_id: int, requests: int, warmup: int, budget: float
) -> dict:
    """Time every operation with one logged-in session each (student, instructor)."""
    student = common.Session(base, student_email)
    teacher = common.Session(base, "t0@bench.test")
    next_path = f"/api/v1/study/next?source={SOURCE}"
    state = {"card": None}

    def page(session, path):
        def call():
            response = session.opener.open(base + path)
            response.read()
            if not response.geturl().endswith(path):  # e.g. sent back to the login page
                raise RuntimeError(f"{path} answered with {response.geturl()}")

        return call

    def review():
        card = state["card"] or student.get_json(next_path)["card"]
        if card is None:
            raise RuntimeError("the measured student ran out of cards: lower --requests")
        answer = student.send_json(
            "POST",
            "/api/v1/study/reviews",
            {
                "question_id": card["question_id"],
                "rating": 4,
                "client_review_id": uuid.uuid4().hex,
                "version": card["version"],
                "source": SOURCE,
            },
        )
        state["card"] = answer["next"]["card"]

    calls = {
        "next card": lambda: student.get_json(next_path),
        "review": review,
        "dashboard": page(student, "/dashboard"),
        "class weak topics": page(teacher, f"/teach/classes/{class_id}/topics"),
        "gradebook": page(teacher, f"/teach/classes/{class_id}/gradebook"),
    }
    result = {}
    for name, call in calls.items():
        try:
            timed(call, warmup)
            times = sorted(timed(call, requests, budget))
        except (urllib.error.HTTPError, RuntimeError) as error:  # reported, and the rest run
            result[name] = {"error": str(error)}
            continue
        result[name] = {
            "requests": len(times),
            "median_ms": statistics.median(times),
            "p90_ms": times[max(0, math.ceil(0.9 * len(times)) - 1)],
            "max_ms": times[-1],
        }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="15k,1.5M", help="card states, e.g. 15k,150k,1.5M")
    parser.add_argument("--requests", type=int, default=50, help="per operation and size")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--budget", type=float, default=30, help="seconds per operation (then stop, ≥ 5 requests)"
    )
    parser.add_argument("--logs", type=int, default=3, help="review logs per card state (mean)")
    parser.add_argument("--port", type=int, default=5094)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        print(
            "scale.py runs on PostgreSQL only: set DATABASE_URL=postgresql+psycopg://"
            "postgres@127.0.0.1:5432/test_bench (its schema is dropped and recreated)",
            file=sys.stderr,
        )
        return 2
    sizes = sorted({parse_size(s) for s in args.sizes.split(",") if s.strip()})
    if args.requests + args.warmup > 120:  # the measured student has about 157 cards due
        parser.error("--requests is too high for the measured student's due cards")

    env = common.bench_env()
    os.environ.update(env)
    common.reset_database(env)
    history = History(datetime.now(UTC).replace(minute=0, second=0, microsecond=0), args.logs)
    began = time.monotonic()
    ids = base_setup(env, sizes, history)
    print(f"base: class of {CLASS_SIZE}, assignment, measured students in "
          f"{time.monotonic() - began:.1f} s")  # fmt: skip

    runs = {}
    for size in sizes:
        fill = grow(env, history, ids["question_ids"], size)
        rows = fill["rows"]
        print(
            f"{label(size)}: {rows['card_state']:,} card states, {rows['review_log']:,} review "
            f"logs, {rows['user']:,} users; filled in {fill['fill_s']:.1f} s "
            f"(rows {fill['copy_s']:.1f} s, indexes {fill['index_s']:.1f} s, then VACUUM ANALYZE)"
        )
        with common.server(env, args.port) as base:
            timings = measure(
                base,
                ids["measured"][size],
                ids["class_id"],
                args.requests,
                args.warmup,
                args.budget,
            )
        runs[size] = {"fill": fill, "operations": timings}
        for name in OPERATIONS:
            t = timings[name]
            if "error" in t:
                print(f"  {name:18} failed: {t['error']}")
                continue
            print(
                f"  {name:18} median {t['median_ms']:8.1f} ms  p90 {t['p90_ms']:8.1f} ms  "
                f"({t['requests']} requests)"
            )

    small, big = sizes[0], sizes[-1]
    print(
        f"\nmedian of up to {args.requests} sequential requests, postgresql, "
        f"{os.cpu_count()} cores "
        "(shared: absolute figures are noisy)"
    )
    head = "".join(f"{label(s) + ' ms':>12}" for s in sizes)
    print(f"  {'operation':18}{head}{'ratio':>8}   (p90 ratio)")
    ratios, failed = {}, []
    for name in OPERATIONS:
        if any("error" in runs[s]["operations"][name] for s in sizes):
            failed.append(name)
            print(f"  {name:18}{'failed':>12}")
            continue
        medians = [runs[s]["operations"][name]["median_ms"] for s in sizes]
        ratio = medians[-1] / medians[0]
        p90 = runs[big]["operations"][name]["p90_ms"] / runs[small]["operations"][name]["p90_ms"]
        ratios[name] = ratio
        cells = "".join(f"{m:12.1f}" for m in medians)
        print(f"  {name:18}{cells}{ratio:8.2f}   ({p90:.2f})   target ≤ 1.5")
    worst = max(ratios, key=ratios.get) if ratios else None
    path = common.save(
        "scale",
        env,
        {
            "sizes": sizes,
            "requests": args.requests,
            "logs_per_card": args.logs,
            "class_size": CLASS_SIZE,
            "runs": {label(s): r for s, r in runs.items()},
            "ratios": ratios,
            "failed": failed,
        },
    )
    print(f"  results: {path.relative_to(common.ROOT)}")
    if failed:
        print(f"  failed (HTTP errors, see above; no ratio): {', '.join(failed)}")
    ratio = f"{ratios[worst]:.2f} ({worst})" if worst else "- (every operation failed)"
    print(f"scale: worst ratio {ratio} at {label(big)} vs {label(small)} card states (postgresql)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
