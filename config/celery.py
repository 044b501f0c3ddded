"""Celery application. Broker from CELERY_BROKER_URL (settings); embedded filesystem transport by default."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("workorders")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
