"""Rate limits on logins, sign-ups and join codes (issue 11, findings 7, 8 and 9)."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.db import db
from quiz.models import Role, User
from quiz.services import accounts, classes, limits
from quiz.services.quizzes import QuizError
from tests.conftest import NOW, PASSWORD, AuthActions, make_user

WRONG = "not the password at all"


def at(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def security_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "quiz.security"]


def in_parallel(app, calls: int, work) -> Counter:
    """Run work(n) in `calls` threads at once, each in its own app context; count outcomes."""
    ready = threading.Barrier(calls)
    outcomes: Counter = Counter()

    def one(n: int) -> None:
        with app.app_context():
            ready.wait()
            try:
                work(n)
                outcomes["done"] += 1
            except limits.RateLimited:
                outcomes["refused"] += 1
            except (QuizError, accounts.AccountError) as error:
                outcomes[type(error).__name__] += 1
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# Finding 7: anyone could lock an account with 5 wrong passwords.


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(app, auth, caplog):
    user = make_user(app)
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT_IP"]):
        wrong = auth.post("/auth/login", {"email": user.email, "password": WRONG}, **at("10.6.6.6"))
        assert wrong.status_code == 422
    caplog.clear()
    with caplog.at_level("INFO", logger="quiz.security"):
        attacker = auth.post(
            "/auth/login", {"email": user.email, "password": PASSWORD}, **at("10.6.6.6")
        )
        assert attacker.status_code == 429
        owner = auth.post(
            "/auth/login", {"email": user.email, "password": PASSWORD}, **at("10.0.0.7")
        )
        assert owner.status_code == 302
    assert security_log(caplog) == [
        f"login refused: limit=login-pair email={user.email} ip=10.6.6.6 retry_after=900",
        f"login: user={user.id} ip=10.0.0.7",
    ]


def test_guesses_from_many_places_pause_the_account_for_everyone_until_the_window_ends(app, auth):
    clock = [NOW]
    app.config["CLOCK"] = lambda: clock[0]
    user = make_user(app)
    ceiling = app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    per_place = app.config["LOGIN_FAILURES_PER_ACCOUNT_IP"]
    assert ceiling > per_place
    for n in range(ceiling):
        ip = f"10.6.6.{n // per_place}"
        wrong = auth.post("/auth/login", {"email": user.email, "password": WRONG}, **at(ip))
        assert wrong.status_code == 422
    clock[0] = NOW + timedelta(minutes=5)
    owner = auth.post("/auth/login", {"email": user.email, "password": PASSWORD}, **at("10.0.0.7"))
    assert owner.status_code == 429
    assert owner.headers["Retry-After"] == "600"
    assert (
        "Too many failed logins for this e-mail address from several places, so logins to it "
        "are paused for a while. Try again in 10 minutes." in owner.get_data(as_text=True)
    )
    clock[0] = NOW + timedelta(seconds=app.config["LOGIN_WINDOW_SECONDS"])
    owner = auth.post("/auth/login", {"email": user.email, "password": PASSWORD}, **at("10.0.0.7"))
    assert owner.status_code == 302


def test_a_refused_login_is_not_counted_against_the_account(app, auth):
    app.config["LOGIN_FAILURES_PER_IP"] = 1
    user = make_user(app)
    auth.post("/auth/login", {"email": "someone@example.org", "password": WRONG}, **at("10.6.6.6"))
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"] + 1):
        refused = auth.post(
            "/auth/login", {"email": user.email, "password": WRONG}, **at("10.6.6.6")
        )
        assert refused.status_code == 429
    owner = auth.post("/auth/login", {"email": user.email, "password": PASSWORD}, **at("10.0.0.7"))
    assert owner.status_code == 302


# Finding 8: registration told whether an e-mail has an account, unthrottled.


def sign_up(auth: AuthActions, email: str, ip: str = "127.0.0.1", password: str = PASSWORD):
    form = {"name": "Ana", "email": email, "password": password, "confirm": password}
    return auth.post("/auth/register", form, **at(ip))


def test_sign_ups_are_throttled_per_ip_whether_the_address_is_taken_or_not(app, auth, caplog):
    app.config["CLOCK"] = lambda: NOW  # Retry-After is the window's rest: exact on a still clock
    app.config["REGISTRATIONS_PER_IP"] = 3
    make_user(app, email="taken@example.org")
    assert sign_up(auth, "ana@example.org").status_code == 302
    assert sign_up(auth, "taken@example.org").status_code == 422
    assert sign_up(auth, "bo@example.org").status_code == 302
    caplog.clear()
    with caplog.at_level("INFO", logger="quiz.security"):
        refused = sign_up(auth, "taken@example.org")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    assert "Too many sign-ups from your network. Try again in 60 minutes." in (
        refused.get_data(as_text=True)
    )
    assert "already exists" not in refused.get_data(as_text=True)
    assert security_log(caplog) == ["registration refused: ip=127.0.0.1 retry_after=3600"]
    assert sign_up(auth, "cy@example.org", ip="10.0.0.9").status_code == 302


def test_a_sign_up_the_form_refuses_is_not_counted(app, auth):
    app.config["REGISTRATIONS_PER_IP"] = 1
    assert (
        sign_up(
            auth,
            "ana@example.org",
            password="short",
        ).status_code
        == 422
    )
    assert sign_up(auth, "not an address").status_code == 422
    assert sign_up(auth, "ana@example.org").status_code == 302


def test_parallel_sign_ups_from_one_ip_get_no_more_answers_than_the_limit(app):
    app.config["REGISTRATIONS_PER_IP"] = 5
    outcomes = in_parallel(
        app, 12, lambda n: accounts.register(f"s{n}@example.org", "S", PASSWORD, "10.0.0.9")
    )
    assert outcomes == {"done": 5, "refused": 7}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 5


# Finding 9: join codes could be guessed without limit.


@pytest.fixture
def two_classes(app):
    teacher = make_user(app, role=Role.INSTRUCTOR)
    with app.app_context():
        teacher = db.session.get(User, teacher.id)
        return [classes.create_class(teacher, name).join_code for name in ("A", "B")]


def test_wrong_join_codes_are_throttled_per_student(app, auth, client, two_classes, caplog):
    app.config["CLOCK"] = lambda: NOW  # Retry-After is the window's rest: exact on a still clock
    app.config["JOIN_CODE_FAILURES_PER_USER"] = 3
    student = auth.login()
    for n in range(3):
        wrong = auth.post("/assignments/", {"code": f"WRONG-CODE-{n}"})
        assert wrong.status_code == 422
        assert "No open class has this join code." in wrong.get_data(as_text=True)
    caplog.clear()
    with caplog.at_level("INFO", logger="quiz.security"):
        refused = auth.post("/assignments/", {"code": two_classes[0]})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    assert (
        "Too many wrong join codes. Check the code with your instructor, then try again in "
        "60 minutes." in refused.get_data(as_text=True)
    )
    assert security_log(caplog) == [f"join refused: user={student.id} retry_after=3600"]
    other = AuthActions(app.test_client(), app)
    other.login()
    joined = other.post("/assignments/", {"code": two_classes[0]}, follow_redirects=True)
    assert "You joined A." in joined.get_data(as_text=True)


def test_a_right_join_code_is_not_counted(app, auth, two_classes, caplog):
    app.config["JOIN_CODE_FAILURES_PER_USER"] = 1
    student = auth.login()
    assert auth.post("/assignments/", {"code": two_classes[0]}).status_code == 303
    assert auth.post("/assignments/", {"code": two_classes[0]}).status_code == 422  # already in
    caplog.clear()
    with caplog.at_level("INFO", logger="quiz.security"):
        assert auth.post("/assignments/", {"code": "WRONG-CODE"}).status_code == 422
    assert security_log(caplog) == [f"join code wrong: user={student.id}"]
    assert auth.post("/assignments/", {"code": two_classes[1]}).status_code == 429


def test_parallel_wrong_join_codes_are_looked_up_no_more_often_than_the_limit(app):
    app.config["JOIN_CODE_FAILURES_PER_USER"] = 5
    student = make_user(app)
    with app.app_context():
        student = db.session.get(User, student.id)
    outcomes = in_parallel(app, 12, lambda n: classes.join(student, f"WRONG-{n:04}"))
    assert outcomes == {"QuizError": 5, "refused": 7}
