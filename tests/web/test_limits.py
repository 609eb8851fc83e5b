"""Rate limits on logins (issue 11, finding 7)."""

from datetime import timedelta

from tests.conftest import NOW, PASSWORD, make_user

WRONG = "not the password at all"


def at(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def security_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "quiz.security"]


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
