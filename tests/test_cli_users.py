"""`quiz user list | set-role | reset-password | deactivate | activate`, bad input included."""

from urllib.parse import urlsplit

import pytest

from quiz.cli import main
from quiz.db import db
from quiz.models import Role, User
from tests.conftest import NOW, PASSWORD, AuthActions, make_user


def invoke(runner, *args):
    return runner.invoke(main, ["user", *args])


def test_list_shows_every_account_or_one_role(app, runner):
    make_user(app, email="ana@example.org", name="Ana")
    make_user(app, email="prof@example.org", name="Prof", role=Role.INSTRUCTOR)
    everyone = invoke(runner, "list")
    assert everyone.exit_code == 0
    lines = everyone.stdout.splitlines()
    assert [line.split("\t")[1:] for line in lines] == [
        ["ana@example.org", "student", "active", "Ana"],
        ["prof@example.org", "instructor", "active", "Prof"],
    ]
    assert "2 accounts." in everyone.stderr
    teachers = invoke(runner, "list", "--role", "instructor")
    assert [line.split("\t")[1] for line in teachers.stdout.splitlines()] == ["prof@example.org"]


def test_set_role_changes_the_role_and_is_audit_logged(app, runner, caplog):
    user = make_user(app, email="ana@example.org")
    caplog.set_level("INFO", logger="quiz.security")
    result = invoke(runner, "set-role", "ANA@example.org", "instructor")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ana@example.org is now instructor.\n"
    with app.app_context():
        assert db.session.get(User, user.id).role == Role.INSTRUCTOR
    assert f"admin set-role: actor=cli user={user.id} old=student new=instructor" in caplog.text


def test_deactivate_ends_sessions_and_refuses_login_then_activate_lets_it_back(app, runner):
    user = make_user(app, email="ana@example.org")
    client = app.test_client()
    auth = AuthActions(client, app)
    auth.login(email=user.email)
    assert client.get("/api/v1/me").status_code == 200
    result = invoke(runner, "deactivate", user.email)
    assert result.exit_code == 0
    assert "ana@example.org is deactivated" in result.stdout
    assert client.get("/api/v1/me").status_code == 401
    refused = auth.post("/auth/login", {"email": user.email, "password": PASSWORD})
    assert refused.status_code == 422
    assert "This account is deactivated" in refused.get_data(as_text=True)
    assert "deactivated" in invoke(runner, "list").stdout
    assert invoke(runner, "activate", user.email).exit_code == 0
    assert auth.post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_wrong_password_to_a_deactivated_account_says_only_that_it_does_not_match(app, runner):
    user = make_user(app)
    invoke(runner, "deactivate", user.email)
    auth = AuthActions(app.test_client(), app)
    refused = auth.post("/auth/login", {"email": user.email, "password": "not the password"})
    assert "That e-mail and password do not match an account." in refused.get_data(as_text=True)
    assert "deactivated" not in refused.get_data(as_text=True)


def test_reset_password_prints_a_link_that_works_once_without_mail(app, runner):
    user = make_user(app, email="ana@example.org")
    result = invoke(runner, "reset-password", user.email)
    assert result.exit_code == 0
    link = result.stdout.strip()
    assert link.startswith("/auth/reset/")
    assert "put the site's address in front: QUIZ_BASE_URL" in result.stderr
    client = app.test_client()
    auth = AuthActions(client, app)
    new = "a brand new passphrase"
    done = client.post(link, data={"csrf_token": auth.token(), "password": new, "confirm": new})
    assert done.status_code == 302
    assert client.get(link).status_code == 410


def test_reset_password_sends_the_link_when_mail_is_on(mail_app, mailbox):
    user = make_user(mail_app, email="ana@example.org")
    result = mail_app.test_cli_runner().invoke(main, ["user", "reset-password", user.email])
    assert result.exit_code == 0, result.output
    assert "Sent a reset link to ana@example.org" in result.stdout
    link = mailbox.link(mailbox.last_to(user.email))
    assert mail_app.test_client().get(urlsplit(link).path).status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set-role", "nobody@example.org", "admin"], "No account has the e-mail address nobody@"),
        (["deactivate", "nobody@example.org"], "No account has the e-mail address nobody@"),
        (["activate", ""], "No account has the e-mail address (empty)"),
        (["reset-password", "nobody@example.org"], "No account has the e-mail address"),
    ],
)
def test_an_unknown_address_fails_with_one_line(app, runner, args, message):
    result = invoke(runner, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [["set-role", "a@example.org", "boss"], ["list", "--role", "teacher"], ["set-role", "a@x.org"]],
)
def test_a_bad_role_or_a_missing_argument_is_a_usage_error(app, runner, args):
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert "Error:" in result.stderr


def test_reset_password_of_a_deactivated_account_is_refused(app, runner):
    user = make_user(app)
    invoke(runner, "deactivate", user.email)
    result = invoke(runner, "reset-password", user.email)
    assert result.exit_code == 1
    assert "is deactivated: activate it first." in result.stderr


def test_a_deactivated_students_grades_stay_in_the_gradebook(app, runner, auth, client):
    from quiz.services import classes, quizzes
    from quiz.services.classes import AssignmentSettings
    from tests.conftest import make_source

    teacher = auth.login(role=Role.INSTRUCTOR)
    ids = make_source(app, 4)
    ana = make_user(app, name="Ana")
    with app.app_context():
        classroom = classes.create_class(db.session.get(User, teacher.id), "Period 3")
        classes.join(db.session.get(User, ana.id), classroom.join_code)
        quiz = classes.create_assignment(
            db.session.get(User, teacher.id),
            classroom.id,
            "deck",
            AssignmentSettings(title="Week 1", shuffle=False),
            question_ids=ids,
        )
        who = db.session.get(User, ana.id)
        attempt = classes.start_assignment(who, quiz.id, now=NOW)
        for qid in attempt.question_order:
            quizzes.save_answer(who, attempt.id, qid, "Right", 0)
        quizzes.finish(who, attempt.id)
    assert invoke(runner, "deactivate", ana.email).exit_code == 0
    html = client.get(f"/teach/classes/{classroom.id}/gradebook").get_data(as_text=True)
    assert "Ana" in html
    assert '<span class="grade">100.0%</span>' in html
