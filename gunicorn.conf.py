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
keepalive = 5
timeout = 30
graceful_timeout = 20
max_requests = 20000
max_requests_jitter = 2000
wsgi_app = "quiz:create_app()"
# Nothing here uses gunicorn's control socket, and every instance would share one path
# (~/.gunicorn/gunicorn.ctl): two servers on one machine would step on each other.
control_socket_disable = True
