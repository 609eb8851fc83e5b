"""Bench the pages that read a history: CPU ms per request against reviews per student.

In process (Flask test client) on a temp SQLite file, or on DATABASE_URL (emptied
first): the real bank, one instructor, a class of 50 students with 3 assignments and
one finished attempt each (150 attempts), then for each size every student gets
that many reviews over the last year and one card state per question reviewed
(up to the whole bank). Prints the thread CPU time per request (median of a few
rounds) and the statements of the dashboard, the class's weak topics and the
gradebook: the numbers of section 6 of notes/review-loop-profile.md.

Usage: .venv/bin/python bench/pages.py [--reviews 20,200,1000] [--students 50] [--rounds 9]
"""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 123"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_app(url: str):
    from flask_migrate import upgrade

    from quiz import create_app
    from quiz.db import db

    app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


def seed(app, students: int) -> dict:
    """The bank, an instructor, a class of students, 3 assignments with one attempt each."""
    from quiz.bank.validate import check
    from quiz.db import db
    from quiz.models import Enrollment, Role, User
    from quiz.services import accounts, classes, quizzes
    from quiz.services.bank_sync import sync_bank
    from quiz.services.classes import AssignmentSettings

    sources, items, errors = check(ROOT / "question_bank", ROOT / "seeds")
    assert not errors, errors
    with app.app_context():
        sync_bank(sources, items, ROOT / "seeds")
        teacher = accounts.create_user("prof@bench.test", "Prof", PASSWORD, Role.INSTRUCTOR)
        first = accounts.create_user("s0@bench.test", "s0", PASSWORD)
        db.session.execute(
            insert(User),
            [
                dict(email=f"s{n}@bench.test", name=f"s{n}", password_hash=first.password_hash)
                for n in range(1, students)
            ],
        )
        db.session.commit()
        ids = db.session.scalars(select(User.id).where(User.role == Role.STUDENT)).all()
        classroom = classes.create_class(teacher, "Bench class")
        db.session.execute(
            insert(Enrollment), [dict(classroom_id=classroom.id, user_id=u) for u in ids]
        )
        db.session.commit()
        rng = random.Random(1)
        now = datetime.now(UTC)
        for week in range(3):
            quiz = classes.create_assignment(
                teacher,
                classroom.id,
                sources[0].slug,
                AssignmentSettings(title=f"Week {week + 1}", due_at=now + timedelta(days=7)),
                rules=classes.rules_from({"count": 10}),
            )
            for user_id in ids:
                student = db.session.get(User, user_id)
                attempt = classes.start_assignment(student, quiz.id, rng=rng)
                for question_id in attempt.question_order:
                    if rng.random() < 0.7:
                        options = attempt.layout.get(str(question_id)) or ["?"]
                        response = rng.choice(options) if isinstance(options, list) else "?"
                        try:
                            quizzes.save_answer(student, attempt.id, question_id, response, 0)
                        except (quizzes.QuizError, TypeError, ValueError):
                            db.session.rollback()
                quizzes.finish(student, attempt.id)
        return {"class": classroom.id, "students": ids}


def add_history(app, student_ids: list[int], reviews: int, rng: random.Random) -> None:
    """Replace every student's card states and review log by `reviews` reviews."""
    from quiz.db import db
    from quiz.models import CardState, Question, ReviewLog

    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(ReviewLog.__table__.delete())
        db.session.execute(CardState.__table__.delete())
        questions = db.session.scalars(
            select(Question.id).where(Question.origin == "bank").order_by(Question.id)
        ).all()
        for user_id in student_ids:
            studied = questions[: min(reviews, len(questions))]
            states = []
            for qid in studied:
                last = now - timedelta(seconds=rng.uniform(0, 300 * 86400))
                stability = rng.uniform(0.5, 120)
                states.append(
                    dict(
                        user_id=user_id,
                        question_id=qid,
                        phase=rng.choice((1, 2, 2, 2, 3)),
                        step=None,
                        stability=stability,
                        difficulty=rng.uniform(1, 10),
                        due=last + timedelta(days=stability),
                        last_review=last,
                        reps=rng.randint(1, 20),
                        lapses=rng.randint(0, 3),
                        suspended=False,
                        buried_until=None,
                        leech=False,
                        version=1,
                    )
                )
            db.session.execute(insert(CardState), states)
            logs = [
                dict(
                    user_id=user_id,
                    question_id=studied[n % len(studied)],
                    rating=rng.choice((1, 3, 3, 3, 4)),
                    reviewed_at=now - timedelta(seconds=rng.uniform(0, 364 * 86400)),
                    duration_ms=rng.randint(1000, 20000),
                    client_review_id=f"{user_id}-{n}",
                    phase_before=rng.choice((0, 2, 2, 2, 3)),
                    before=None,
                    after={},
                )
                for n in range(reviews)
            ]
            db.session.execute(insert(ReviewLog), logs)
        db.session.commit()


def login(app, email: str):
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = TOKEN_RE.search(page).group(1)
    response = client.post(
        "/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return client


def measure(app, client, path: str, rounds: int) -> tuple[float, float, int]:
    """Return the median and the least thread CPU ms of GET path, and its statement count.

    On a shared machine the least is the steadier figure: other processes only add to it.
    """
    from quiz.db import db

    statements = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(rounds):
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        start = time.thread_time()
        response = client.get(path)
        times.append((time.thread_time() - start) * 1000)
        event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, path
    return statistics.median(times), min(times), len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", default="20,200,1000")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="quiz-pages-"))
    os.environ["QUIZ_INSTANCE_PATH"] = str(workdir)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'pages.db'}"
    app = make_app(url)
    seeded = seed(app, args.students)
    student = login(app, "s0@bench.test")
    teacher = login(app, "prof@bench.test")
    pages = {
        "/dashboard": (student, "/dashboard"),
        "class topics": (teacher, f"/teach/classes/{seeded['class']}/topics"),
        "gradebook": (teacher, f"/teach/classes/{seeded['class']}/gradebook"),
        "gradebook.csv": (teacher, f"/teach/classes/{seeded['class']}/gradebook.csv"),
    }
    sizes = [int(n) for n in args.reviews.split(",")]
    print(f"{url.split(':')[0]}, {args.students} students, CPU ms per request: median / least "
          f"of {args.rounds}, statements in brackets")  # fmt: skip
    print(f"{'reviews/student':<16}" + "".join(f"{n:>20}" for n in sizes))
    results = {name: [] for name in pages}
    rng = random.Random(7)
    for size in sizes:
        add_history(app, seeded["students"], size, rng)
        for name, (client, path) in pages.items():
            results[name].append(measure(app, client, path, args.rounds))
    for name, row in results.items():
        print(f"{name:<16}" + "".join(f"{mid:>9.1f} /{least:>5.1f} ({n})" for mid, least, n in row))


if __name__ == "__main__":
    main()
