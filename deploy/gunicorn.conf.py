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

# gunicorn's own lines (workers booting, timing out, the access log) as JSON on standard
# error, like the app's (docs/deployment.md, "Logs"); each access line names its request id.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
logconfig_dict = {
    "root": {"level": "WARNING", "handlers": ["json"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["json"], "propagate": False},
    },
    "handlers": {
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "formatters": {"json": {"()": "safedata.logs.JsonFormatter"}},
}
