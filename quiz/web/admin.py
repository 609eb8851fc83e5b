"""The admin page: accounts listed by role, with role, activation and reset-link actions."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from quiz import mail
from quiz.db import db
from quiz.models import Role, User
from quiz.services import admin, resets
from quiz.services.accounts import AccountError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """Let only admins in; everyone else gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, description="This page is for administrators.")
        return view(*args, **kwargs)

    return wrapped


def _actor() -> tuple[str, User]:
    me = current_user._get_current_object()
    return f"admin:{me.id}", me


def _listing(error: str | None = None, status: int = 200):
    # The filter: the query string's on the page, the one a form came from after a POST.
    raw = request.args.get("role", "") if request.method == "GET" else _return_role()
    role = None
    if raw:
        try:
            role = admin.parse_role(raw)
        except AccountError as refused:
            error, status, raw = str(refused), 422, ""
    users = admin.list_users(role, limit=admin.PAGE_SIZE)
    page = render_template(
        "admin/users.html",
        users=users,
        roles=list(Role),
        role=raw,
        error=error,
        mail_on=mail.enabled(),
        page_size=admin.PAGE_SIZE,
    )
    return page, status


def _return_role() -> str:
    raw = request.form.get("return_role", "")
    return raw if raw in {r.value for r in Role} else ""


def _target(user_id: int) -> User:
    return db.get_or_404(User, user_id, description="There is no account with this id.")


def _done(message: str):
    flash(message, "success")
    return redirect(url_for("admin.users", role=_return_role() or None))


@bp.get("/users")
@admin_required
def users():
    """List the accounts, of one role or all."""
    return _listing()


@bp.post("/users/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    """Give an account another role."""
    user = _target(user_id)
    actor, me = _actor()
    try:
        role = admin.parse_role(request.form.get("role"))
        admin.set_role(user, role, actor, me)
    except AccountError as error:
        return _listing(f"Role of {user.email}: {error}", 422)
    return _done(f"{user.email} is now {user.role.value}.")


@bp.post("/users/<int:user_id>/active")
@admin_required
def set_active(user_id: int):
    """Deactivate or reactivate an account."""
    user = _target(user_id)
    actor, me = _actor()
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        return _listing("Active: choose to deactivate (0) or activate (1) the account.", 422)
    try:
        admin.set_active(user, wanted == "1", actor, me)
    except AccountError as error:
        return _listing(str(error), 422)
    if user.active:
        return _done(f"{user.email} is active again.")
    return _done(f"{user.email} is deactivated and logged out everywhere; its grades stay.")


@bp.post("/users/<int:user_id>/reset")
@admin_required
def send_reset(user_id: int):
    """E-mail a reset link to the account, or show it when the site sends no mail."""
    user = _target(user_id)
    actor, _me = _actor()
    if not user.active:
        return _listing(f"{user.email} is deactivated: activate it before resetting.", 409)
    if mail.enabled():
        try:
            resets.send_link(user)
        except mail.MailError:
            return _listing("The mail server did not take the message. Try again later.", 502)
        admin.audit(actor, "reset-link-sent", user)
        return _done(f"A reset link was sent to {user.email}. It works once, for one hour.")
    link = resets.make_link(user).url
    admin.audit(actor, "reset-link-shown", user)
    flash(f"Give {user.email} this link (it works once, for one hour): {link}", "info")
    return redirect(url_for("admin.users", role=_return_role() or None))
