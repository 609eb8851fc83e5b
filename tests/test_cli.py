import subprocess
import sys

from sqlalchemy import select

from quiz.cli import main
from quiz.db import db
from quiz.models import Role, User


def test_help_lists_the_commands():
    result = subprocess.run(
        [sys.executable, "-c", "from quiz.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        env={"QUIZ_ENV": "development", "PATH": ""},
    )
    assert result.returncode == 0
    for command in ("db", "user", "init-secret"):
        assert f"  {command} " in result.stdout


def test_user_create_makes_an_instructor(app, runner):
    result = runner.invoke(
        main,
        [
            "user",
            "create",
            "--email",
            "Prof@Example.org",
            "--name",
            "Prof",
            "--role",
            "instructor",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Created instructor prof@example.org")
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.role == Role.INSTRUCTOR


def test_user_create_with_bad_input_prints_one_line_and_fails(app, runner):
    result = runner.invoke(
        main,
        [
            "user",
            "create",
            "--email",
            "nope",
            "--name",
            "X",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 1
    assert result.output == "Error: Enter a valid e-mail address, like name@example.org.\n"


def test_user_create_with_unknown_role_fails(runner):
    result = runner.invoke(
        main,
        [
            "user",
            "create",
            "--email",
            "a@b.org",
            "--name",
            "X",
            "--role",
            "god",
            "--password",
            "x" * 12,
        ],
    )
    assert result.exit_code == 2
    assert "'god' is not one of" in result.output


def test_fsrs_optimize_reports_each_user(app, runner):
    from tests.conftest import NOW, make_source, make_user

    user = make_user(app, email="learner@example.org")
    [qid] = make_source(app, 1)
    with app.app_context():
        from quiz.services import study

        study.review(db.session.get(User, user.id), qid, 3, "c1", 0, now=NOW)
    result = runner.invoke(main, ["fsrs", "optimize", "--all"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("learner@example.org: Not enough history yet")
    assert lines[-1] == "0 of 1 users got new parameters."


def test_fsrs_optimize_needs_a_target(runner):
    result = runner.invoke(main, ["fsrs", "optimize"])
    assert result.exit_code == 2
    assert "give either --all or --email" in result.output


def test_attempts_close_overdue_closes_and_grades_abandoned_attempts(app, runner):
    import random
    from datetime import UTC, datetime, timedelta

    from quiz.core.quizbuild import Rules
    from quiz.models import Attempt
    from quiz.services import quizzes
    from tests.conftest import make_source, make_user

    user = make_user(app)
    make_source(app, 6)
    with app.app_context():
        started = datetime.now(UTC) - timedelta(hours=1)
        attempt = quizzes.start_practice(
            db.session.get(User, user.id),
            "deck",
            Rules(count=5),
            quizzes.Settings(time_limit_min=10),
            now=started,
            rng=random.Random(2),
        )
        quizzes.save_answer(
            db.session.get(User, user.id),
            attempt.id,
            attempt.question_order[0],
            "Right",
            0,
            now=started,
        )
    result = runner.invoke(main, ["attempts", "close-overdue"])
    assert result.output == "1 overdue attempt closed.\n"
    with app.app_context():
        closed = db.session.get(Attempt, attempt.id)
        assert (closed.state, closed.closed_by, closed.score) == ("finished", "deadline", 1.0)
    assert (
        runner.invoke(main, ["attempts", "close-overdue"]).output == "0 overdue attempts closed.\n"
    )
