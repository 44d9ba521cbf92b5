"""Django settings: one module, every deployment difference comes from ``config``."""

from __future__ import annotations

import os

import dj_database_url
from django.utils.translation import gettext_lazy as _

from singlewindow import config

BASE_DIR = config.data_dir()
SECRET_KEY = config.secret_key()
DEBUG = config.env_bool("SW_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("SW_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "singlewindow.registry",
    "singlewindow.codelists",
    "singlewindow.exchange",
    "singlewindow.customs",
    "singlewindow.permits",
    "singlewindow.portal",
    # After the portal: where two apps translate the same words, the first app listed wins, and
    # the portal's translations are the shared vocabulary.
    "singlewindow.cargo",
    "singlewindow.express",
    "singlewindow.payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "singlewindow.boundary.BoundaryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "singlewindow.registry.viewers.ViewerReadOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "singlewindow.urls"
WSGI_APPLICATION = "singlewindow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    db: dict[str, object] = dict(dj_database_url.parse(config.database_url(), conn_max_age=60))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
        # instead of failing half way; WAL lets readers run beside the writer.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        db["CONN_MAX_AGE"] = 0
    else:
        if db["ENGINE"] == "django.db.backends.postgresql":
            # Django's backend, whose health check asks the socket before sending ``SELECT 1`` (see
            # ``singlewindow.pgbackend.base``): a quiet connection passes without a round trip.
            db["ENGINE"] = "singlewindow.pgbackend"
        db["CONN_HEALTH_CHECKS"] = True
        # Parameters are bound server-side and a statement run five times on a connection is
        # prepared, so PostgreSQL parses and plans the ORM's repeated queries once instead of on
        # every call (measured: a payment release costs PostgreSQL a quarter less CPU). A pooler
        # that cannot keep prepared statements (PgBouncer in transaction mode before 1.21) needs
        # SW_DATABASE_PREPARE=false.
        if config.env_bool("SW_DATABASE_PREPARE", True):
            db["OPTIONS"] = {"prepare_threshold": 5, "server_side_binding": True}
    return db


DATABASES = {"default": _database()}
if test_name := os.environ.get("SW_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": test_name}  # parallel runs on one server must not collide
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if not config.env_bool("SW_TASKS_IMMEDIATE", False)
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", _("Traditional Chinese")), ("en", _("English"))]
LOCALE_PATHS: list[str] = []
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Exchange limits and behaviour.
SW_MAX_MESSAGE_BYTES = config.env_int("SW_MAX_MESSAGE_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = SW_MAX_MESSAGE_BYTES + 64 * 1024
SW_CHECKPOINT_INTERVAL = config.env_int("SW_CHECKPOINT_INTERVAL", 1000)
SW_WEBHOOK_MAX_ATTEMPTS = config.env_int("SW_WEBHOOK_MAX_ATTEMPTS", 6)
SW_WEBHOOK_BACKOFF_SECONDS = config.env_int("SW_WEBHOOK_BACKOFF_SECONDS", 5)
SW_SWEEP_GRACE_SECONDS = config.env_int("SW_SWEEP_GRACE_SECONDS", 60)
SW_WEBHOOK_ALLOW_LOOPBACK = config.env_bool("SW_WEBHOOK_ALLOW_LOOPBACK", True)
SW_PKI_DIR = os.environ.get("SW_PKI_DIR") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SW_LOG_LEVEL", "WARNING")},
}
