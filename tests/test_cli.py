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
