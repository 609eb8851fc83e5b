"""The account endpoints: who am I, change my name or time zone."""

from flask_login import current_user, login_required

from quiz.api import bp
from quiz.api.contract import operation, parse_body
from quiz.api.schemas import MeChanges, UserOut
from quiz.db import write_transaction


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
@operation(UserOut)
@login_required
def me():
    """Return the logged-in user."""
    return user_dict(current_user)


@bp.patch("/me")
@operation(UserOut, body=MeChanges, errors=(400, 422))
@login_required
def update_me():
    """Change the user's name or time zone; nothing else can be changed here."""
    sent = parse_body(MeChanges, 'Send a JSON object, like {"timezone": "Europe/Paris"}.')
    changes = sent.model_dump(exclude_unset=True)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    user = current_user._get_current_object()
    with write_transaction():
        for key, value in changes.items():
            setattr(user, key, value)
    return user_dict(user)
