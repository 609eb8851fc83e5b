"""What every bench shares: a fresh database with the bank and students, the server started
with the project's gunicorn.conf.py, logged-in sessions, and results written to JSON."""

import http.cookiejar
import json
import os
import platform
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "bench password 123"
RESULTS = ROOT / "bench" / "results"


def bench_env(workdir: Path | None = None) -> dict:
    """Return the environment of a bench server: production mode, a temp instance folder,
    SQLite there unless DATABASE_URL names another database."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    env = {
        **os.environ,
        "QUIZ_ENV": "production",
        "QUIZ_SECRET_KEY": "bench",
        "QUIZ_INSTANCE_PATH": str(workdir),
        "QUIZ_SESSION_COOKIE_SECURE": "0",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    return env


def engine_name(env: dict) -> str:
    """Return "sqlite" or "postgresql" for the bench's database."""
    return env["DATABASE_URL"].split(":")[0].split("+")[0]


def quiz(*args: str, env: dict) -> str:
    """Run the `quiz` command line; return what it printed."""
    done = subprocess.run(
        [str(BIN / "quiz"), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def reset_database(env: dict) -> None:
    """Start from an empty schema (PostgreSQL keeps tables between runs), then the bank."""
    if engine_name(env) == "postgresql":
        url = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        subprocess.run(
            ["psql", url, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
            check=True,
            capture_output=True,
        )
    quiz("db", "upgrade", env=env)
    quiz("bank", "load", env=env)


def seed_students(env: dict, count: int, role: str = "student", prefix: str = "s", **settings):
    """Create `count` accounts s0@bench.test... sharing one password hash (hashing each
    would take minutes); `settings` overrides study settings such as new_per_day."""
    quiz("user", "create", "--email", f"{prefix}0@bench.test", "--name", f"{prefix}0",
         "--password", PASSWORD, "--role", role, env=env)  # fmt: skip
    code = f"""
import json, sys
from sqlalchemy import insert, select, update
from quiz import create_app
from quiz.db import db
from quiz.models import User
app = create_app()
with app.app_context():
    first = db.session.scalars(select(User).where(User.email == "{prefix}0@bench.test")).one()
    rows = [dict(email=f"{prefix}{{n}}@bench.test", name=f"{prefix}{{n}}",
                 password_hash=first.password_hash, role=first.role) for n in range(1, {count})]
    if rows:
        db.session.execute(insert(User), rows)
    settings = json.loads(sys.argv[1])
    if settings:
        db.session.execute(update(User).where(User.email.like("{prefix}%@bench.test"))
                           .values(**settings))
    db.session.commit()
"""
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(settings)], env=env, check=True, cwd=ROOT
    )


def server_settings(env: dict) -> dict:
    """Return gunicorn.conf.py's settings as the bench server gets them (its environment)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def server(env: dict, port: int):
    """Serve the app with gunicorn.conf.py on `port`; yield the base URL once it answers."""
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the bench server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait()


class Session:
    """One logged-in browser: a cookie jar and the CSRF token of its session."""

    def __init__(self, base: str, email: str, password: str = PASSWORD):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        login = self.opener.open(f"{base}/auth/login").read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
        self.opener.open(f"{base}/auth/login", data.encode()).read()
        page = self.opener.open(f"{base}/auth/password").read().decode()
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    @property
    def cookie(self) -> str:
        """Return the Cookie header of this session (for wrk)."""
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def get_json(self, path: str) -> dict:
        return json.loads(self.opener.open(self.base + path).read())

    def send_json(self, method: str, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        return json.loads(self.opener.open(request).read())


def wrk_path() -> str:
    """Return the wrk binary, installing Debian's package if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk")


def commit() -> str:
    """Return the commit the bench ran on (with "+dirty" if the tree has changes)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=ROOT).returncode
    return head + ("+dirty" if dirty else "")


def save(name: str, env: dict, data: dict) -> Path:
    """Write one run's results to bench/results/<name>-<database>.json; return the path."""
    RESULTS.mkdir(exist_ok=True)
    record = {
        "bench": name,
        "commit": commit(),
        "database": engine_name(env),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **data,
    }
    path = RESULTS / f"{name}-{engine_name(env)}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
