import threading
import time

import pytest
from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

from quiz.passwords import Passwords

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
