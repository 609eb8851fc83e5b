"""The account endpoints: who am I, change my name or time zone."""

from zoneinfo import available_timezones

from flask_login import current_user, login_required

from quiz.api import bp
from quiz.db import write_transaction
from quiz.errors import error_response
from quiz.inputs import json_object


def user_dict(user) -> dict:
    """Return the public fields of a user."""
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "timezone": user.timezone,
    }


@bp.get("/me")
@login_required
def me():
    """Return the logged-in user."""
    return user_dict(current_user)


@bp.patch("/me")
@login_required
def update_me():
    """Change the user's name or time zone; nothing else can be changed here."""
    data = json_object('Send a JSON object, like {"timezone": "Europe/Paris"}.')
    unknown = sorted(set(data) - {"name", "timezone"})
    if unknown:
        return error_response(422, f"Unknown field: {', '.join(unknown)}.", field=unknown[0])
    changes = {}
    if "name" in data:
        name = data["name"].strip() if isinstance(data["name"], str) else ""
        if not 1 <= len(name) <= 100:
            return error_response(422, "name: use 1 to 100 characters.", field="name")
        changes["name"] = name
    if "timezone" in data:
        if not isinstance(data["timezone"], str) or data["timezone"] not in available_timezones():
            return error_response(
                422, "timezone: use an IANA name such as Europe/Paris.", field="timezone"
            )
        changes["timezone"] = data["timezone"]
    user = current_user._get_current_object()
    with write_transaction():
        for key, value in changes.items():
            setattr(user, key, value)
    return user_dict(user)
