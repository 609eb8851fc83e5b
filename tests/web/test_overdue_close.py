"""An overdue attempt is closed at its deadline, with the same status, by every path.

A student may press Finish, open the attempt's page, call the API or leave it to
`quiz attempts close-overdue`: the attempt is finished at its deadline, closed by the
deadline, and late only if that deadline came after the due date.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.cli import main
from quiz.db import db
from quiz.models import Attempt, Role, User
from quiz.services import classes, gradebook
from quiz.services.classes import AssignmentSettings
from tests.conftest import NOW, AuthActions, make_source, make_user

DUE = NOW + timedelta(minutes=30)


def me(user: User) -> User:
    return db.session.get(User, user.id)


def finish_button(student, attempt_id):
    return student.post(f"/attempts/{attempt_id}/finish")


def open_page(student, attempt_id):
    return student.client.get(f"/attempts/{attempt_id}/q/1")


def api_finish(student, attempt_id):
    headers = {"X-CSRFToken": student.token()}
    return student.client.post(f"/api/v1/attempts/{attempt_id}/finish", headers=headers)


def api_read(student, attempt_id):
    return student.client.get(f"/api/v1/attempts/{attempt_id}")


def sweep(runner, _attempt_id):
    return runner.invoke(main, ["attempts", "close-overdue"])


PATHS = {
    "finish": finish_button,
    "page": open_page,
    "api finish": api_finish,
    "api read": api_read,
    "close-overdue": sweep,
}

# (late policy, when the student starts, expected deadline, late, gradebook status)
# closed: a 60-minute limit cut by the due date → deadline = due date, not late.
# accept: started 10 minutes after the due date with a 60-minute limit → deadline
#         = due + 70 min, after the due date → late on every path.
POLICIES = {
    "closed": ("closed", NOW, DUE, False, "submitted"),
    "accept": ("accept", DUE + timedelta(minutes=10), DUE + timedelta(minutes=70), True, "late"),
}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("path", PATHS)
def test_an_overdue_attempt_is_closed_at_its_deadline_whoever_closes_it(app, path, policy):
    late_policy, started, deadline, late, status = POLICIES[policy]
    teacher = make_user(app, role=Role.INSTRUCTOR)
    ana = make_user(app, name="Ana")
    ids = make_source(app, 3)
    with app.app_context():
        classroom = classes.create_class(me(teacher), "Period 3")
        classes.join(me(ana), classroom.join_code)
        quiz = classes.create_assignment(
            me(teacher),
            classroom.id,
            "deck",
            AssignmentSettings(
                title="Week 1", due_at=DUE, time_limit_min=60, late_policy=late_policy
            ),
            question_ids=ids,
        )
        attempt_id = classes.start_assignment(me(ana), quiz.id, now=started).id
    # Two hours after the deadline: far past the grace period.
    app.config["CLOCK"] = lambda: deadline + timedelta(hours=2)
    student = AuthActions(app.test_client(), app)
    student.login(email=ana.email)

    actor = app.test_cli_runner() if path == "close-overdue" else student
    response = PATHS[path](actor, attempt_id)

    if path == "close-overdue":
        assert response.output == "1 overdue attempt closed.\n"
    elif path.startswith("api"):
        assert response.status_code == 200
        body = response.get_json()
        assert (body["state"], body["finished_at"]) == ("finished", deadline.isoformat())
    else:
        assert response.status_code in (302, 303)
        assert response.headers["Location"] == f"/attempts/{attempt_id}/result"
    result = student.client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "submitted automatically when the time ran out" in result
    with app.app_context():
        row = db.session.scalars(select(Attempt).where(Attempt.id == attempt_id)).one()
        assert (row.finished_at, row.closed_by, row.late) == (deadline, "deadline", late)
        book = gradebook.gradebook(me(teacher), classroom.id, now=deadline + timedelta(hours=2))
        assert book.cells[(ana.id, quiz.id)].status == status


def test_finish_within_the_grace_period_counts_at_the_deadline_and_by_the_student(app):
    teacher = make_user(app, role=Role.INSTRUCTOR)
    ana = make_user(app, name="Ana")
    ids = make_source(app, 3)
    with app.app_context():
        classroom = classes.create_class(me(teacher), "Period 3")
        classes.join(me(ana), classroom.join_code)
        quiz = classes.create_assignment(
            me(teacher),
            classroom.id,
            "deck",
            AssignmentSettings(title="Week 1", due_at=DUE, time_limit_min=60),
            question_ids=ids,
        )
        attempt_id = classes.start_assignment(me(ana), quiz.id, now=NOW).id
    app.config["CLOCK"] = lambda: DUE + timedelta(seconds=30)  # inside the 60 s of grace
    student = AuthActions(app.test_client(), app)
    student.login(email=ana.email)
    assert finish_button(student, attempt_id).status_code == 303
    result = student.client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "submitted automatically" not in result
    with app.app_context():
        row = db.session.get(Attempt, attempt_id)
        assert (row.finished_at, row.closed_by, row.late) == (DUE, "student", False)
