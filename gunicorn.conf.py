"""gunicorn settings shared by `make run` and every bench (why these numbers: README, Server).

One request runs at a time per worker (`quiz.slots`, QUIZ_RUNNING_REQUESTS): the work is
CPU-bound under the GIL, and on SQLite a thread holding the write lock would wait for the
GIL behind its siblings (measured in ../shared/notes/review-loop-profile.md, section 5: 8
threads gave a 2.2 s p99 wait for BEGIN IMMEDIATE, 1 thread 9 ms). But 32 threads per
worker: a login waiting for its password hash holds its thread (not the slot), and with
one thread every request that worker had accepted queued behind the logins of a burst
(bench/login_burst.py). gthread keeps idle keep-alive connections in a poller, so 50 open
connections do not each hold a thread.
"""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("QUIZ_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("QUIZ_THREADS", "32"))
worker_connections = 1000
# Short keep-alive: an idle connection is closed after 2 s, so a client's next request opens
# a new one, which any worker may accept. With a long one, the connections that moved to the
# surviving worker when one died stayed there (issue 19: the load stayed on one worker
# after a kill -9); a client that keeps asking (one review after another) keeps its
# connection. Behind nginx there is no keep-alive to gunicorn at all (docs/deploy.md).
keepalive = 2
timeout = 30
graceful_timeout = 20
max_requests = 20000
max_requests_jitter = 2000
wsgi_app = "quiz:create_app()"
# Nothing here uses gunicorn's control socket, and every instance would share one path
# (~/.gunicorn/gunicorn.ctl): two servers on one machine would step on each other.
control_socket_disable = True


def on_starting(server):
    """Give this server start a fresh PROMETHEUS_MULTIPROC_DIR (quiz/metrics.py).

    Set before any worker imports prometheus_client, which reads it at import. An operator's
    own directory (systemd's RuntimeDirectory) is emptied of the last start's counts; else
    a temporary one is made, and removed on exit.
    """
    import glob
    import tempfile

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for stale in glob.glob(os.path.join(folder, "*.db")):
            os.remove(stale)
    else:
        folder = tempfile.mkdtemp(prefix="quiz-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        server.quiz_metrics_temp = folder


def child_exit(server, worker):
    """Mark a worker that exited as dead: its live gauges stop counting; its totals stay."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the temporary metrics directory this start made."""
    import shutil

    folder = getattr(server, "quiz_metrics_temp", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
