"""Scheduled jobs run from a timer on every host: one run at a time does the work."""

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from quiz.cli import main
from quiz.core.quizbuild import Rules
from quiz.db import db
from quiz.joblock import job_lock
from quiz.models import Attempt, User
from quiz.services import quizzes
from tests.conftest import make_source, make_user

SKIPPED = "is running (on this host or another one); this one did nothing.\n"


def overdue_attempts(app, count: int) -> list[int]:
    """Start `count` timed practice attempts an hour ago (10 minutes each); return their ids."""
    make_source(app, 6)
    started = datetime.now(UTC) - timedelta(hours=1)
    ids = []
    with app.app_context():
        for _ in range(count):
            user = db.session.get(User, make_user(app).id)
            attempt = quizzes.start_practice(
                user,
                "deck",
                Rules(count=5),
                quizzes.Settings(time_limit_min=10),
                now=started,
                rng=random.Random(1),
            )
            ids.append(attempt.id)
    return ids


def states(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Attempt.state, Attempt.closed_by).order_by(Attempt.id)
        ).all()


def test_close_overdue_does_nothing_while_another_run_holds_the_lock(app, runner):
    overdue_attempts(app, 2)
    with app.app_context(), job_lock("close-overdue") as held:
        assert held
        result = runner.invoke(main, ["attempts", "close-overdue"])
    assert result.exit_code == 0
    assert result.output == f"Another `quiz attempts close-overdue` {SKIPPED}"
    assert states(app) == [("in_progress", None)] * 2
    result = runner.invoke(main, ["attempts", "close-overdue"])  # the lock was given back
    assert result.output == "2 overdue attempts closed.\n"
    assert states(app) == [("finished", "deadline")] * 2


def test_fsrs_optimize_does_nothing_while_another_run_holds_the_lock(app, runner):
    with app.app_context(), job_lock("fsrs-optimize") as held:
        assert held
        result = runner.invoke(main, ["fsrs", "optimize", "--all"])
    assert result.exit_code == 0
    assert result.output == f"Another `quiz fsrs optimize` {SKIPPED}"
    after = runner.invoke(main, ["fsrs", "optimize", "--all"]).output
    assert after.endswith("0 of 0 users got new parameters.\n")


def test_the_two_jobs_have_their_own_locks(app, runner):
    overdue_attempts(app, 1)
    with app.app_context(), job_lock("fsrs-optimize"):
        result = runner.invoke(main, ["attempts", "close-overdue"])
    assert result.output == "1 overdue attempt closed.\n"


def test_two_runs_started_together_close_each_attempt_once(app, tmp_path):
    ids = overdue_attempts(app, 20)
    env = {
        "PATH": "",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "QUIZ_SECRET_KEY": "test-secret",
        "QUIZ_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    command = [sys.executable, "-c", "from quiz.cli import main; main()"]
    runs = [
        subprocess.Popen(
            [*command, "attempts", "close-overdue"], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    closed = [int(out.split()[0]) for out in outputs if out.endswith("overdue attempts closed.\n")]
    skipped = [out for out in outputs if out.endswith(SKIPPED)]
    # One run closed all 20; the other found the lock taken, or (if it started after the
    # first had finished) nothing left to close.
    assert sorted(closed + [0] * len(skipped)) == [0, 20], outputs
    assert states(app) == [("finished", "deadline")] * len(ids)
