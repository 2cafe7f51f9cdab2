"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# config.monthly holds the monthly pipeline's tasks; the apps' own tasks modules are discovered.
app = Celery("hazard_ledger", include=["config.monthly"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
