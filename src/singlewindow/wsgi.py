"""WSGI entry point for gunicorn and ``singlewindow serve``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "singlewindow.settings")
application = get_wsgi_application()

from singlewindow.runtime import settle  # noqa: E402 - needs the application loaded

settle()
