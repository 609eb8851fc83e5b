"""A real gunicorn, started from gunicorn.conf.py as `make run` does, for the tests that need
worker processes (metrics summed over workers, a worker killed mid-quiz, nginx in front)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Gunicorn:
    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def workers(self) -> list[int]:
        """Return the pids of the master's live worker processes."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                pids.append(int(entry.name))
        return sorted(pids)

    def wait_for_workers(self, count: int, other_than: tuple[int, ...] = ()) -> list[int]:
        """Wait until `count` workers run (none of `other_than`); return their pids."""
        deadline = time.monotonic() + 120  # a worker imports the app: slow on a busy machine
        while time.monotonic() < deadline:
            pids = [p for p in self.workers() if p not in other_than]
            if len(pids) == count and ready(self.url):
                return pids
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not get {count} workers: {self.log.read_text()}")


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def gunicorn(database_url: str, folder: Path, workers: int = 2, **env: str) -> Iterator[Gunicorn]:
    """Serve the app with gunicorn.conf.py on a free port; stop it (and its workers) after."""
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    environment = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    environment |= {
        "DATABASE_URL": database_url,
        "QUIZ_SECRET_KEY": "test-secret-for-gunicorn",
        "QUIZ_INSTANCE_PATH": str(folder / "instance"),
        "QUIZ_WORKERS": str(workers),
        "QUIZ_SESSION_COOKIE_SECURE": "0",
        "PORT": str(port),
        **env,
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=folder,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", port, process, log)
    try:
        server.wait_for_workers(workers)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
