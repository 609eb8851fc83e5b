import os
import threading
import time

import pytest
from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

from quiz import create_app
from quiz.passwords import HASHING_NICE, Passwords, passwords
from quiz.slots import Slots
from tests.conftest import make_config

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.mark.parametrize(
    ("stored", "password", "expected"),
    [
        pytest.param("argon2", "right one", True, id="argon2id-right"),
        pytest.param("argon2", "wrong one", False, id="argon2id-wrong"),
        pytest.param("scrypt", "right one", True, id="werkzeug-scrypt-right"),
        pytest.param("scrypt", "wrong one", False, id="werkzeug-scrypt-wrong"),
        pytest.param("$argon2id$v=19$garbage", "right one", False, id="broken-argon2"),
        pytest.param("md5$abc$def", "right one", False, id="unknown-method"),
        pytest.param("", "right one", False, id="empty"),
    ],
)
def test_verify_accepts_argon2id_and_old_scrypt_hashes_only_for_the_right_password(
    stored, password, expected
):
    passwords = Passwords(**CHEAP)
    made = {
        "argon2": passwords.hash("right one"),
        "scrypt": generate_password_hash("right one", method="scrypt:1024:8:1"),
    }
    assert passwords.verify(made.get(stored, stored), password) is expected


def test_only_hashes_of_other_methods_or_parameters_need_a_rehash():
    passwords = Passwords(**CHEAP)
    assert not passwords.needs_rehash(passwords.hash("a password"))
    assert passwords.needs_rehash(generate_password_hash("a password", method="scrypt:1024:8:1"))
    assert passwords.needs_rehash(Passwords(**{**CHEAP, "time_cost": 2}).hash("a password"))


def test_at_most_the_configured_number_of_hashes_run_at_once(monkeypatch):
    passwords = Passwords(**CHEAP, concurrency=2)
    running = peak = 0
    lock = threading.Lock()

    def slow_hash(self, password, *, salt=None):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "$argon2id$"

    monkeypatch.setattr(PasswordHasher, "hash", slow_hash)
    threads = [threading.Thread(target=passwords.hash, args=("pw",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are Linux's")
def test_hashes_run_on_threads_of_lower_priority(monkeypatch):
    # A core that hashes still runs any other request first: the hashing thread is niced.
    passwords = Passwords(**CHEAP)
    monkeypatch.setattr(
        PasswordHasher,
        "hash",
        lambda self, password, *, salt=None: os.getpriority(
            os.PRIO_PROCESS, threading.get_native_id()
        ),
    )
    assert passwords.hash("pw") == os.getpriority(os.PRIO_PROCESS, 0) + HASHING_NICE


def test_a_login_waiting_for_its_hash_leaves_the_slot_to_other_requests(tmp_path, monkeypatch):
    # One request runs at a time per process, but a hash is a wait that needs no GIL:
    # /healthz is answered while a login's hash is still running.
    app = create_app(make_config(tmp_path, RUNNING_REQUESTS=1))
    hashing, finish = threading.Event(), threading.Event()

    def blocked_hash(self, password, *, salt=None):
        hashing.set()
        assert finish.wait(10)
        return "$argon2id$"

    monkeypatch.setattr(PasswordHasher, "hash", blocked_hash)

    @app.get("/_hash")
    def _hash():
        return passwords().hash("pw")

    statuses = []
    login = threading.Thread(target=lambda: app.test_client().get("/_hash"))
    health = threading.Thread(
        target=lambda: statuses.append(app.test_client().get("/healthz").status_code)
    )
    login.start()
    try:
        assert hashing.wait(10)
        health.start()
        health.join(10)
        assert statuses == [200]  # answered before the hash ended
    finally:
        finish.set()
        login.join()
        health.join()


def test_a_request_holds_its_slot_until_it_waits():
    slots = Slots(1)
    inside, leave, second = threading.Event(), threading.Event(), threading.Event()

    def first():
        with slots.held():
            inside.set()
            assert leave.wait(10)
            with slots.released():  # a wait: the other request may run
                assert second.wait(10)

    def other():
        with slots.held():
            second.set()

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(10)
    two = threading.Thread(target=other)
    two.start()
    assert not second.wait(0.2)  # the slot is taken: the second request waits
    leave.set()
    assert second.wait(10)
    one.join()
    two.join()


def test_a_request_asking_for_its_slot_again_queues_behind_those_waiting():
    # After a password hash a login asks for its slot again: it must not jump the queue
    # of requests that asked while it hashed (a free-for-all semaphore lets it barge in).
    slots = Slots(1)
    order = []

    def other():
        with slots.held():
            order.append("waiting request")

    with slots.held():
        waiter = threading.Thread(target=other)
        waiter.start()
        while slots.waiters() < 1:  # the other request is queued
            time.sleep(0.001)
        with slots.released():  # the hash
            pass
        order.append("login, after its hash")
    waiter.join(10)
    assert order == ["waiting request", "login, after its hash"]
