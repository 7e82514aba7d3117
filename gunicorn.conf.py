"""gunicorn settings, read from the working directory by `gunicorn upr_tracker.wsgi`.

gthread workers: each worker process serves several requests on threads, so a slow
client downloading a long export holds one thread, not a whole process, and the
worker's heartbeat keeps running while a response streams. The timeout is how long a
worker may go silent before it is killed and restarted; it must exceed the longest
legitimate request (a full export), and imports never run in a request (README,
"Deploying safely"). Every value can be changed by environment variable.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# Requests with absurd header counts or lines are refused before Django sees them.
limit_request_fields = 100
limit_request_line = 8190
