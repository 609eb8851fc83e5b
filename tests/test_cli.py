import subprocess
import sys

from click.testing import CliRunner
from sqlalchemy import select

from quiz import create_app
from quiz.cli import main
from quiz.db import db
from quiz.models import Role, User


def quiz_command(*args: str, env: dict) -> subprocess.CompletedProcess:
    """Run the `quiz` command in a fresh process with only the given environment."""
    return subprocess.run(
        [sys.executable, "-c", "from quiz.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={"PATH": "", **env},
    )


def test_help_lists_the_project_commands_only(tmp_path):
    # Production, no secret key: --help must still work, and not build the app to print it.
    result = quiz_command("--help", env={"QUIZ_INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    commands = result.stdout.split("Commands:\n")[1].splitlines()
    assert [line.split()[0] for line in commands] == [
        "attempts",
        "backup",
        "bank",
        "db",
        "fsrs",
        "init-secret",
        "questions",
        "restore",
        "user",
    ]
    options = result.stdout.split("Options:\n")[1].split("\n\n")[0]
    assert options.split() == ["--help", "Show", "this", "message", "and", "exit."]
    assert "make run" in result.stdout
    assert not (tmp_path / "instance").exists()


def test_there_is_no_development_server_command(tmp_path):
    result = quiz_command("run", env={"QUIZ_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.endswith("Error: No such command 'run'.\n")


def test_init_secret_writes_where_the_app_reads_it(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    result = CliRunner().invoke(main, ["init-secret"])
    key_file = tmp_path / "elsewhere" / "secret_key"
    assert result.output == f"Wrote a new secret key to {key_file}.\n"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    app = create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    again = CliRunner().invoke(main, ["init-secret"])
    assert again.output == f"{key_file} exists; keeping it.\n"


def test_a_relative_instance_path_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", "var/quiz")
    assert CliRunner().invoke(main, ["init-secret"]).exit_code == 0
    app = create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    folder = tmp_path / "var" / "quiz"
    assert app.instance_path == str(folder)
    assert app.config["SECRET_KEY"] == (folder / "secret_key").read_text().strip()


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
