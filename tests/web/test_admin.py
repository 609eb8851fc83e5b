"""The admin page: only admins, CSRF, audit log, and every bad input answered with a 4xx."""

import html
import re

import pytest

from quiz.db import MAX_ID, db
from quiz.models import Role, User
from tests.conftest import AuthActions, make_user


def role_of(app, user) -> Role:
    with app.app_context():
        return db.session.get(User, user.id).role


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_admins_see_the_page(auth, client, role):
    auth.login(role=role)
    assert client.get("/admin/users").status_code == 403
    target = make_user(auth.app)
    assert auth.post(f"/admin/users/{target.id}/active", {"active": "0"}).status_code == 403
    assert "Admin</a>" not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/admin/users").status_code == 302


def test_the_list_shows_accounts_by_role(app, auth, client):
    auth.login(role=Role.ADMIN)
    make_user(app, email="ana@example.org")
    make_user(app, email="prof@example.org", role=Role.INSTRUCTOR)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "ana@example.org" in page and "prof@example.org" in page
    assert "Admin</a>" in page
    teachers = client.get("/admin/users?role=instructor").get_data(as_text=True)
    assert "prof@example.org" in teachers and "ana@example.org" not in teachers


def test_a_bad_role_filter_is_a_422_naming_the_roles(auth, client):
    auth.login(role=Role.ADMIN)
    response = client.get("/admin/users?role=boss")
    assert response.status_code == 422
    assert "The role must be one of student, instructor, admin, not &#39;boss&#39;." in (
        response.get_data(as_text=True)
    )


def test_changing_a_role_is_audit_logged_with_the_admin(app, auth, caplog):
    me = auth.login(role=Role.ADMIN)
    ana = make_user(app)
    caplog.set_level("INFO", logger="quiz.security")
    done = auth.post(f"/admin/users/{ana.id}/role", {"role": "instructor"}, follow_redirects=True)
    assert f"{ana.email} is now instructor." in done.get_data(as_text=True)
    assert role_of(app, ana) == Role.INSTRUCTOR
    assert f"admin set-role: actor=admin:{me.id} user={ana.id} old=student new=instructor" in (
        caplog.text
    )


def test_deactivating_from_the_page_ends_the_accounts_sessions(app, auth):
    auth.login(role=Role.ADMIN)
    ana = make_user(app)
    her = app.test_client()
    AuthActions(her, app).login(email=ana.email)
    assert her.get("/api/v1/me").status_code == 200
    done = auth.post(f"/admin/users/{ana.id}/active", {"active": "0"}, follow_redirects=True)
    assert "is deactivated and logged out everywhere; its grades stay." in done.get_data(
        as_text=True
    )
    assert her.get("/api/v1/me").status_code == 401
    again = auth.post(f"/admin/users/{ana.id}/active", {"active": "1"}, follow_redirects=True)
    assert "is active again." in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("role", {"role": "student"}, "You cannot change the role of your own account here"),
        ("active", {"active": "0"}, "You cannot deactivate your own account here"),
    ],
)
def test_an_admin_cannot_lock_themselves_out(app, auth, path, data, message):
    me = auth.login(role=Role.ADMIN)
    response = auth.post(f"/admin/users/{me.id}/{path}", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert role_of(app, me) == Role.ADMIN


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        ("role", {"role": "boss"}, 422, "The role must be one of student, instructor, admin"),
        ("role", {}, 422, "The role must be one of"),
        ("active", {"active": "yes"}, 422, "Active: choose to deactivate (0) or activate (1)"),
        ("active", {}, 422, "Active: choose"),
    ],
)
def test_bad_form_values_are_refused_naming_the_field(app, auth, path, data, status, message):
    auth.login(role=Role.ADMIN)
    ana = make_user(app)
    response = auth.post(f"/admin/users/{ana.id}/{path}", data)
    assert response.status_code == status
    assert message in html.unescape(response.get_data(as_text=True))
    assert role_of(app, ana) == Role.STUDENT


@pytest.mark.parametrize("user_id", ["999999", str(MAX_ID + 1), "abc", "-1"])
def test_an_unknown_account_is_a_404(auth, user_id):
    auth.login(role=Role.ADMIN)
    assert auth.post(f"/admin/users/{user_id}/active", {"active": "0"}).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(app, auth, client):
    auth.login(role=Role.ADMIN)
    ana = make_user(app)
    response = client.post(f"/admin/users/{ana.id}/role", data={"role": "admin"})
    assert response.status_code == 400
    assert role_of(app, ana) == Role.STUDENT


def test_without_mail_the_reset_link_is_shown_to_the_admin_and_works(app, auth, client):
    auth.login(role=Role.ADMIN)
    ana = make_user(app)
    page = auth.post(f"/admin/users/{ana.id}/reset", follow_redirects=True).get_data(as_text=True)
    link = re.search(r"this link \(it works once, for one hour\): (http://\S+?)<", page).group(1)
    path = link.split("localhost", 1)[1]
    visitor = app.test_client()
    assert f"For {ana.email}." in visitor.get(path).get_data(as_text=True)


def test_with_mail_the_reset_link_is_sent(mail_app, mailbox):
    auth = AuthActions(mail_app.test_client(), mail_app)
    auth.login(role=Role.ADMIN)
    ana = make_user(mail_app)
    done = auth.post(f"/admin/users/{ana.id}/reset", follow_redirects=True)
    assert f"A reset link was sent to {ana.email}." in done.get_data(as_text=True)
    assert mailbox.link(mailbox.last_to(ana.email)).startswith("http://quiz.test/auth/reset/")


def test_a_deactivated_account_gets_no_reset_link(app, auth):
    auth.login(role=Role.ADMIN)
    ana = make_user(app)
    auth.post(f"/admin/users/{ana.id}/active", {"active": "0"})
    response = auth.post(f"/admin/users/{ana.id}/reset")
    assert response.status_code == 409
    assert "is deactivated: activate it before resetting." in response.get_data(as_text=True)


def test_a_bad_role_is_reported_for_the_account_and_the_list_keeps_its_filter(app, auth):
    auth.login(role=Role.ADMIN)
    ana = make_user(app)
    make_user(app, email="prof@example.org", role=Role.INSTRUCTOR)
    response = auth.post(f"/admin/users/{ana.id}/role", {"role": "boss", "return_role": "student"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert f"Role of {ana.email}: The role must be one of student, instructor, admin" in page
    assert "prof@example.org" not in page  # still the students only
