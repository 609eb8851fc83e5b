"""One request at a time runs in a worker process; a request that only waits does not count.

gunicorn.conf.py gives each worker many threads, so that no request queues behind a login
waiting for its password hash; but the work of this app is CPU under the GIL, and on
SQLite a thread holding the write lock must not wait for the GIL behind its siblings (the
reason a worker had one thread: README, Server). So every request takes the process's one
slot (`RUNNING_REQUESTS`) for as long as it runs, and gives it back only where it waits
without using the GIL: hashing a password (`released`), which argon2-cffi does outside the
GIL. A worker with one slot and 32 threads then runs as a worker with one thread did,
except that a burst of logins leaves its other requests a slot while they hash.
"""

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context


class Slots:
    """`size` slots that a thread holds while it runs a request, handed over in the order
    the requests asked (first come, first served: a request that gives its slot back and
    asks again, after a password hash, queues behind those already waiting)."""

    def __init__(self, size: int = 1) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Lock] = deque()
        self._held = threading.local()

    def _acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by `_release`, which hands this thread the slot

    def _release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1

    def waiters(self) -> int:
        """Return how many requests wait for a slot."""
        with self._lock:
            return len(self._waiting)

    def wrap(self, wsgi_app: Callable) -> Callable:
        """Return `wsgi_app` run inside a slot (the body is sent after the slot is freed)."""

        def run(environ, start_response):
            with self.held():
                return wsgi_app(environ, start_response)

        return run

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a slot for the block."""
        self._acquire()
        self._held.on = True
        try:
            yield
        finally:
            self._held.on = False
            self._release()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Give this thread's slot to another request for the block (a no-op without one)."""
        if not getattr(self._held, "on", False):
            yield
            return
        self._held.on = False
        self._release()
        try:
            yield
        finally:
            self._acquire()
            self._held.on = True


def init_app(app: Flask) -> None:
    """Run every request of the app in one of RUNNING_REQUESTS slots (0: no limit)."""
    size = app.config["RUNNING_REQUESTS"]
    if size:
        app.extensions["quiz.slots"] = slots = Slots(size)
        app.wsgi_app = slots.wrap(app.wsgi_app)


@contextmanager
def waiting() -> Iterator[None]:
    """Mark a wait that needs no GIL (a password hash): other requests may run meanwhile."""
    slots = current_app.extensions.get("quiz.slots") if has_app_context() else None
    if slots is None:
        yield
        return
    with slots.released():
        yield
