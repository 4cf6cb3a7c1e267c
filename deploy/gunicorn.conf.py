"""gunicorn settings for one app server: ``gunicorn safedata.wsgi -c deploy/gunicorn.conf.py``."""

import multiprocessing

bind = "127.0.0.1:8000"
workers = multiprocessing.cpu_count() * 2 + 1
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
# gunicorn trusts X-Forwarded-Proto from here; the app reads X-Forwarded-For only from
# TRUSTED_PROXIES (docs/settings.md). Name the same proxies in both.
forwarded_allow_ips = "127.0.0.1"
