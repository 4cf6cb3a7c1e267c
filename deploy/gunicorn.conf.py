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
forwarded_allow_ips = "127.0.0.1"
