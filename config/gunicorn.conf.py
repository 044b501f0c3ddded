"""gunicorn settings for the web process (Procfile, README's production section):
`gunicorn config.wsgi -c config/gunicorn.conf.py -b 0.0.0.0:8000`. Workers: `WEB_CONCURRENCY` (gunicorn reads
it itself), default 2 here."""

import os

# R-SEC-2: the access log masks customers' numbers (config/gunicorn_logging.py).
logger_class = "config.gunicorn_logging.NumberMaskingLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # stdout by default; a file path for tests or a log shipper
errorlog = "-"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
