"""/metrics: counters that move with what students do, only for allowed addresses, and one
sum over several gunicorn workers."""

import glob
import json
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from quiz.config import ConfigError, load_config
from quiz.core.quizbuild import Rules
from quiz.db import db
from quiz.models import User
from quiz.services import quizzes, study
from tests.conftest import app_for, csrf_token, make_config, make_source, make_user
from tests.server import gunicorn


def samples(text: str) -> dict[tuple, float]:
    """Return every sample of a scrape as {(name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return samples(response.get_data(as_text=True))


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_scrape_after_a_few_requests_shows_the_counters_moving(app, client):
    app.config["LOGIN_FAILURES_PER_ACCOUNT_IP"] = 1
    user = make_user(app)
    ids = make_source(app, 6)
    before = scrape(client)
    for _ in range(3):
        client.get("/healthz")
    token = csrf_token(client)
    for _ in range(2):  # a wrong password, then the pair's limit (1) refuses the second
        client.post(
            "/auth/login", data={"csrf_token": token, "email": user.email, "password": "wrong"}
        )
    with app.app_context():
        student = db.session.get(User, user.id)
        attempt = quizzes.start_practice(student, "deck", Rules(count=5), quizzes.Settings())
        quizzes.finish(student, attempt.id)
        study.review(student, ids[0], 3, "review-1", None)
        study.review(student, ids[0], 3, "review-1", None)  # a replay: not counted again
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    healthz = {"endpoint": "main.healthz", "method": "GET", "status": "200"}
    assert moved("quiz_requests_total", **healthz) == 3
    assert moved("quiz_request_duration_seconds_count", endpoint="main.healthz") == 3
    assert moved("quiz_login_failures_total") == 1
    assert moved("quiz_rate_limit_refusals_total", limit="login-pair") == 1
    assert moved("quiz_requests_total", endpoint="auth.login", method="POST", status="429") == 1
    assert moved("quiz_attempts_started_total", kind="practice") == 1
    assert moved("quiz_attempts_finished_total", closed_by="student") == 1
    assert moved("quiz_reviews_total", rating="3") == 1


def test_made_up_methods_and_paths_add_no_labels(client):
    labels = {"endpoint": "none", "method": "other", "status": "404"}
    before = value(scrape(client), "quiz_requests_total", **labels)
    for n in range(3):
        client.open(f"/no-such-page-{n}", method=f"BREW{n}")
    found = scrape(client)
    assert value(found, "quiz_requests_total", **labels) - before == 3
    assert not any("BREW" in str(labels) or "no-such-page" in str(labels) for _, labels in found)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "status"),
    [
        (0, "127.0.0.1", None, 200),
        (0, "::1", None, 200),
        (0, "203.0.113.9", None, 404),
        # Behind nginx everyone connects from 127.0.0.1: the forwarded address decides.
        (1, "127.0.0.1", "203.0.113.9", 404),
        (1, "127.0.0.1", "127.0.0.1", 200),
        # Without a trusted proxy a client cannot claim loopback by the header.
        (0, "203.0.113.9", "127.0.0.1", 404),
    ],
)
def test_metrics_answer_only_allowed_addresses(tmp_path, proxies, remote, forwarded, status):
    with app_for(make_config(tmp_path, TRUSTED_PROXIES=proxies)) as app:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = app.test_client().get(
            "/metrics", headers=headers, environ_overrides={"REMOTE_ADDR": remote}
        )
        assert response.status_code == status
        if status == 404:
            assert "quiz_requests_total" not in response.get_data(as_text=True)


def test_metrics_allow_is_read_and_checked_at_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_METRICS_ALLOW", "10.0.0.0/8, 192.0.2.7")
    with app_for(make_config(tmp_path)) as app:
        client = app.test_client()
        assert (
            client.get("/metrics", environ_overrides={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
        )
        assert (
            client.get("/metrics", environ_overrides={"REMOTE_ADDR": "192.0.2.7"}).status_code
            == 200
        )
        assert client.get("/metrics").status_code == 404  # loopback is no longer in the list
    monkeypatch.setenv("QUIZ_METRICS_ALLOW", "localhost")
    with pytest.raises(ConfigError, match="QUIZ_METRICS_ALLOW must be addresses or networks"):
        load_config(tmp_path, {"SECRET_KEY": "x"})


def _counts_by_worker(folder: str) -> dict[int, float]:
    """Return the /healthz requests each worker wrote to its own file."""
    counts = {}
    for path in glob.glob(os.path.join(folder, "counter_*.db")):
        pid = int(path.rsplit("_", 1)[1].split(".")[0])
        for key, count, *_ in MmapedDict.read_all_values_from_file(path):
            _, name, labels, _ = json.loads(key)
            if name == "quiz_requests_total" and labels.get("endpoint") == "main.healthz":
                counts[pid] = counts.get(pid, 0) + count
    return counts


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # one connection per request
        return response.read().decode()


def test_two_gunicorn_workers_report_one_sum(app, tmp_path):
    folder = tmp_path / "metrics"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with gunicorn(url, tmp_path, workers=2, PROMETHEUS_MULTIPROC_DIR=str(folder)) as server:
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            # Until each worker has answered some (the kernel picks the worker per connection).
            while len(_counts_by_worker(str(folder))) < 2 and sent < 2000:
                list(pool.map(_get, [f"{server.url}/healthz"] * 40))
                sent += 40
        assert len(_counts_by_worker(str(folder))) == 2
        for _ in range(4):  # whichever worker answers the scrape gives the sum of both
            found = samples(_get(f"{server.url}/metrics"))
            healthz = {"endpoint": "main.healthz", "method": "GET", "status": "200"}
            # The server's own readiness checks at start-up count too.
            started = sum(_counts_by_worker(str(folder)).values())
            assert value(found, "quiz_requests_total", **healthz) == started >= sent
