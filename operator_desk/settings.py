"""Settings for Operator Desk. Everything comes from the environment (or an optional .env).

With nothing set, the desk runs embedded: SQLite in WAL mode under var/, the in-memory channel
layer (one process) and the sandbox platform on 127.0.0.1:8100. Production sets DATABASE_URL
(PostgreSQL) and REDIS_URL (channels-redis) and runs several daphne processes and workers.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

from operator_desk.config import Settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")
config = Settings(env)

DEBUG = config.flag("DEBUG", default=False)
# Production must bring its own secrets; only a DEBUG desk may fall back to throwaway ones.
_dev_default = "insecure-embedded-default-change-me" if DEBUG else environ.Env.NOTSET
SECRET_KEY = config.get("SECRET_KEY", env.str, default=_dev_default)
ALLOWED_HOSTS = config.get("ALLOWED_HOSTS", env.list, default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = config.get("CSRF_TRUSTED_ORIGINS", env.list, default=[])

# --- The platform -------------------------------------------------------------------------
FROMNI_BASE_URL = config.url(
    "FROMNI_BASE_URL", schemes=("http", "https"), default="http://127.0.0.1:8100/user"
)
FROMNI_API_TOKEN = config.get(
    "FROMNI_API_TOKEN", env.str, default="sandbox-token" if DEBUG else environ.Env.NOTSET
)
FROMNI_CALLBACK_SECRET = config.get(
    "FROMNI_CALLBACK_SECRET", env.str, default="sandbox-secret" if DEBUG else environ.Env.NOTSET
)
# Callbacks are accepted with the current secret and, during a rotation, the previous one.
FROMNI_CALLBACK_SECRETS = [FROMNI_CALLBACK_SECRET] + config.get(
    "FROMNI_CALLBACK_PREVIOUS_SECRETS", env.list, default=[]
)
FROMNI_CONNECT_TIMEOUT = config.get("FROMNI_CONNECT_TIMEOUT", env.float, default=3.05)
FROMNI_READ_TIMEOUT = config.get("FROMNI_READ_TIMEOUT", env.float, default=15.0)

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "operators",
    "audit",
    "realtime",
    "contacts",
    "conversations",
    "callbacks",
    "outreach",
    "administration",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves static files from daphne itself, so the embedded desk needs no web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "operator_desk.urls"
ASGI_APPLICATION = "operator_desk.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------------
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
DATABASES = {"default": config.database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'desk.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file too (threads and processes share it, as in production), one per run.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-desk-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer --------------------------------------------------------------------------
REDIS_URL = config.url("REDIS_URL", schemes=("redis", "rediss", "unix"), default=None)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 10},
        }
    }
else:
    # One process only: fine for the embedded desk and the tests, not for several daphnes.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background work -------------------------------------------------------------------------
# Replies and history loads are tasks in the database, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DESK_SEND_MAX_ATTEMPTS = config.get("DESK_SEND_MAX_ATTEMPTS", env.int, default=10)
DESK_SEND_RETRY_BASE_SECONDS = config.get("DESK_SEND_RETRY_BASE_SECONDS", env.float, default=2.0)
DESK_SEND_RETRY_MAX_SECONDS = config.get("DESK_SEND_RETRY_MAX_SECONDS", env.float, default=120.0)
# How long after an unanswered send the desk asks the platform whether it has the message.
DESK_SEND_CHECK_DELAY = config.get("DESK_SEND_CHECK_DELAY", env.float, default=3.0)
# A reply `sending` for longer than this lost its worker and is checked.
DESK_SEND_STALE_SECONDS = config.get("DESK_SEND_STALE_SECONDS", env.float, default=60.0)
# How often each daphne process checks for events its sockets did not get pushed (realtime/pump.py).
DESK_PUMP_SECONDS = config.get("DESK_PUMP_SECONDS", env.float, default=0.25)
DESK_HEARTBEAT_SECONDS = config.get("DESK_HEARTBEAT_SECONDS", env.float, default=20.0)
# Events older than this are pruned; a client further behind is told to reload.
DESK_EVENT_RETENTION_HOURS = config.get("DESK_EVENT_RETENTION_HOURS", env.float, default=24.0)

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:index"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"  # collectstatic target; whitenoise serves from here too
WHITENOISE_USE_FINDERS = True  # serve straight from static/ without collectstatic

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = config.flag("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = config.flag("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = config.get("SECURE_HSTS_SECONDS", env.int, default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.get("LOG_LEVEL", env.str, "INFO")},
}
