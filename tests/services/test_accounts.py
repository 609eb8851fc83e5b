from argon2 import PasswordHasher
from sqlalchemy import event, select, update
from werkzeug.security import generate_password_hash

from quiz.db import db
from quiz.models import User
from quiz.services import accounts
from tests.conftest import PASSWORD, app_for, make_config, make_user


def stored_hash(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == email))


def set_hash(app, email: str, password_hash: str) -> None:
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == email).values(password_hash=password_hash)
        )
        db.session.commit()


def test_production_hashes_a_new_account_with_argon2id_at_owasp_parameters(tmp_path):
    config = make_config(tmp_path, ENV="production")
    config.pop("PASSWORD_HASH", None)  # the production default, not the tests' cheap one
    with app_for(config) as app:
        user = make_user(app)
        assert stored_hash(app, user.email).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_hash_with_other_argon2_parameters_is_rehashed_on_login(app):
    user = make_user(app)
    old = PasswordHasher(time_cost=3, memory_cost=16, parallelism=1).hash(PASSWORD)
    set_hash(app, user.email, old)
    with app.app_context():
        assert accounts.authenticate(user.email, PASSWORD, "10.0.0.1") is not None
    p = app.config["PASSWORD_HASH"]
    prefix = f"$argon2id$v=19$m={p['memory_cost']},t={p['time_cost']},p={p['parallelism']}$"
    assert stored_hash(app, user.email).startswith(prefix)


def test_a_hash_with_the_current_parameters_is_left_alone(app):
    user = make_user(app)
    before = stored_hash(app, user.email)
    with app.app_context():
        assert accounts.authenticate(user.email, PASSWORD, "10.0.0.1") is not None
    assert stored_hash(app, user.email) == before


def test_the_upgrade_is_written_in_the_same_transaction_as_the_login(app):
    user = make_user(app)
    set_hash(app, user.email, generate_password_hash(PASSWORD, method="scrypt:1024:8:1"))
    events: list[str] = []

    def on_begin(_conn):
        events.append("begin")

    def on_commit(_conn):
        events.append("commit")

    def on_statement(_conn, _cursor, statement, *_args):
        events.append(" ".join(statement.replace('"', "").split()[:3]).upper())

    with app.app_context():
        accounts.authenticate(user.email, "nope nope nope", "10.0.0.1")  # a failure to clear
        hooks = {"begin": on_begin, "commit": on_commit, "before_cursor_execute": on_statement}
        for name, hook in hooks.items():
            event.listen(db.engine, name, hook)
        try:
            assert accounts.authenticate(user.email, PASSWORD, "10.0.0.1") is not None
        finally:
            for name, hook in hooks.items():
                event.remove(db.engine, name, hook)
    upgrade = events.index("UPDATE USER SET")
    # The last statement on the counters: the login's own failures from this place cleared.
    clear = max(i for i, e in enumerate(events) if "RATE_COUNTER" in e)
    assert not {"begin", "commit"} & set(events[min(upgrade, clear) : max(upgrade, clear)])
    assert stored_hash(app, user.email).startswith("$argon2id$")


def test_an_unknown_email_checks_a_hash_of_the_current_parameters(app, monkeypatch):
    user = make_user(app)
    checked: list[str] = []
    real_verify = PasswordHasher.verify

    def spy(self, hash, password):
        checked.append(hash.rsplit("$", 2)[0])
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    with app.app_context():
        assert accounts.authenticate("nobody@example.org", PASSWORD, "10.0.0.1") is None
        assert accounts.authenticate(user.email, "not it at all", "10.0.0.1") is None
    assert len(checked) == 2
    assert checked[0] == checked[1]
