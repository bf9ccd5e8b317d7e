"""Settings for Operator Desk. Everything comes from the environment (or an optional .env).

With nothing set, the desk runs embedded: SQLite in WAL mode under var/, the in-memory channel
layer (one process) and the sandbox platform on 127.0.0.1:8100. Production sets DATABASE_URL
(PostgreSQL) and REDIS_URL (channels-redis) and runs several daphne processes and workers.
"""

from __future__ import annotations

import hashlib
import os
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from operator_desk import queues
from operator_desk.config import Settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")
config = Settings(env)

DEBUG = config.flag("DEBUG", default=False)


def _secret(name: str, debug_default: str) -> tuple[str, str]:
    """A secret and where it came from: the environment variable NAME, or the file NAME_FILE
    names (a mounted Docker/Kubernetes secret), so that secrets never have to be typed into a
    form or stored in the database. Production must bring its own; only a DEBUG desk falls
    back to a throwaway one."""
    path = config.get(f"{name}_FILE", env.str, default="")
    if path:
        try:
            value = Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"Setting {name}_FILE is malformed: cannot read {path!r} ({exc.strerror})."
            ) from None
        if not value:
            raise ImproperlyConfigured(f"Setting {name}_FILE is malformed: {path!r} is empty.")
        return value, f"file {path}"
    value = config.get(name, env.str, default=debug_default if DEBUG else environ.Env.NOTSET)
    return value, "environment" if name in os.environ else "built-in default (DEBUG only)"


SECRET_KEY, _ = _secret("SECRET_KEY", "insecure-embedded-default-change-me")
ALLOWED_HOSTS = config.get("ALLOWED_HOSTS", env.list, default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = config.get("CSRF_TRUSTED_ORIGINS", env.list, default=[])

# --- The platform -------------------------------------------------------------------------
FROMNI_BASE_URL = config.url(
    "FROMNI_BASE_URL", schemes=("http", "https"), default="http://127.0.0.1:8100/user"
)
# Where the token came from is shown on the admin's account page (the token itself never is).
FROMNI_API_TOKEN, FROMNI_API_TOKEN_SOURCE = _secret("FROMNI_API_TOKEN", "sandbox-token")
FROMNI_CALLBACK_SECRET, _ = _secret("FROMNI_CALLBACK_SECRET", "sandbox-secret")
# Callbacks are accepted with the current secret and, during a rotation, the previous one.
# Secrets the admin registers from /admin/callback are accepted too (administration/, stored as
# SHA-256 digests only); the replaced one stays valid for FROMNI_CALLBACK_SECRET_GRACE_HOURS,
# because the platform keeps re-sending a failed callback, with the secret it was queued with,
# for 2 h 40 s after the first attempt (10 s + 30 s + ... + 1 h).
FROMNI_CALLBACK_SECRETS = [FROMNI_CALLBACK_SECRET] + config.get(
    "FROMNI_CALLBACK_PREVIOUS_SECRETS", env.list, default=[]
)
FROMNI_CALLBACK_SECRET_GRACE_HOURS = config.get(
    "FROMNI_CALLBACK_SECRET_GRACE_HOURS", env.float, default=3.0
)
# Each process keeps the registered secrets' digests this long: callbacks are the hot path.
FROMNI_CALLBACK_SECRET_CACHE_SECONDS = config.get(
    "FROMNI_CALLBACK_SECRET_CACHE_SECONDS", env.float, default=1.0
)
# Each callback's answer says where its time went in the desk (a Server-Timing header:
# callbacks/asgi.py). For benchmarks (bench/callbacks.py): off, the platform is told nothing.
CALLBACK_SERVER_TIMING = config.get("CALLBACK_SERVER_TIMING", env.bool, default=False)
# The desk's public https address (e.g. https://desk.example.com), for the callback URL the
# admin registers; empty: taken from the address the admin's browser used.
DESK_PUBLIC_URL = config.url("DESK_PUBLIC_URL", schemes=("http", "https"), default="")
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
    # intcomma: counts grouped as the page's language writes them (1,234 / 1 234).
    "django.contrib.humanize",
    "channels",
    "axes",
    "csp",
    "operators",
    "audit",
    "realtime",
    "contacts",
    "conversations",
    "callbacks",
    "outreach",
    "administration",
    "reports",
    "desk",
    "search",
    # After the desk's apps: desk's `db_worker` (riding out database restarts) is the one
    # `manage.py db_worker` runs, in place of the library's.
    "django_tasks",
    "django_tasks_db",
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
    # A signed-in operator's own language (over the cookie and Accept-Language) and time zone.
    "operators.middleware.OperatorPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Messenger text is untrusted: django-csp sends CONTENT_SECURITY_POLICY (below), plus the
    # websocket's origin, which depends on the request.
    "operator_desk.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.tz",
                "operators.context_processors.areas",
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
else:
    # Under daphne every request runs in a thread of its own, so Django opens a connection per
    # request (persistent connections do not carry over between threads): a pool per process
    # makes that a checkout instead of a PostgreSQL log-in. 0 turns it off (behind PgBouncer).
    DATABASE_POOL_SIZE = config.get("DATABASE_POOL_SIZE", env.int, default=10)
    # How long a request waits for a connection (all busy, or the database down). A healthy
    # pool hands one out at once; while the database is down, the callback endpoint and
    # /healthz answer 503 after this, well within the platform's 5 s delivery timeout.
    DATABASE_POOL_TIMEOUT = config.get("DATABASE_POOL_TIMEOUT", env.float, default=1.0)
    if DATABASE_POOL_SIZE:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
            # psycopg-pool tries to replace a lost connection with pauses that double for up
            # to 5 minutes: after a restart the pool came back seconds, even minutes, after
            # the database. Given up after a second, the next request that waits starts a new
            # attempt at once, so callbacks are stored again as soon as the database is back
            # (docs/resilience.md).
            "reconnect_timeout": 1,
        }
    # Each connection the pool hands out is checked first (an empty query): after a restart
    # the pool's idle connections are dead, and each would have failed a request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering columns (Index.include) speed PostgreSQL up; SQLite builds the same indexes without
# them, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Channel layer --------------------------------------------------------------------------
REDIS_URL = config.url("REDIS_URL", schemes=("redis", "rediss", "unix"), default=None)
if REDIS_URL:
    # Redis pub/sub: a push is one PUBLISH and reaches every subscribed process at once. The
    # core layer's group_send is four round trips and a Lua script (group members, expiry,
    # per-channel queues): most of the time from an event's commit to the operator's socket
    # (bench/latency.py). Pub/sub keeps nothing for a process that is away, which the desk
    # never relied on: the layer is at-most-once, and sockets read what they missed from the
    # events table by cursor (realtime/relay.py).
    # Pub/sub channels ignore Redis's database numbers, and an event's cursor means something
    # only to the desk whose database it came from: the prefix keeps desks that share a Redis
    # server (staging beside production, a test run beside a demo) apart.
    _events_of = DATABASES["default"]
    _desk_identity = "|".join(
        str(part)
        for part in (
            _events_of["ENGINE"],
            _events_of.get("HOST"),
            _events_of.get("PORT"),
            _events_of["NAME"],
            REDIS_URL,
        )
    )
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL}],
                "prefix": config.get(
                    "DESK_CHANNEL_PREFIX",
                    env.str,
                    default=f"desk.{hashlib.sha256(_desk_identity.encode()).hexdigest()[:12]}.",
                ),
            },
        }
    }
else:
    # One process only: fine for the embedded desk and the tests, not for several daphnes.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Django's backends with hooks that run just before a commit (operator_desk/backends/): the
# events a transaction emits are numbered there. Mapped after the channel prefix above, which
# is named from the DATABASE_URL's own engine.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "operator_desk.backends."
)

# --- Background work -------------------------------------------------------------------------
# Replies and history loads are tasks in the database, run by `manage.py db_worker`: replies
# on a queue of their own, so that background work never delays them (operator_desk/queues.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": list(queues.ALL)}}
DESK_SEND_MAX_ATTEMPTS = config.get("DESK_SEND_MAX_ATTEMPTS", env.int, default=10)
DESK_SEND_RETRY_BASE_SECONDS = config.get("DESK_SEND_RETRY_BASE_SECONDS", env.float, default=2.0)
DESK_SEND_RETRY_MAX_SECONDS = config.get("DESK_SEND_RETRY_MAX_SECONDS", env.float, default=120.0)
# A refusal in words the desk does not know is tried this many more times, a few seconds apart
# (a known refusal fails the reply at once; conversations/outbox.py).
DESK_SEND_REFUSAL_RETRIES = config.get("DESK_SEND_REFUSAL_RETRIES", env.int, default=2)
# How long after an unanswered send the desk asks the platform whether it has the message.
DESK_SEND_CHECK_DELAY = config.get("DESK_SEND_CHECK_DELAY", env.float, default=3.0)
# A reply `sending` for longer than this lost its worker and is checked.
DESK_SEND_STALE_SECONDS = config.get("DESK_SEND_STALE_SECONDS", env.float, default=60.0)
# How many due replies (of different conversations) a reply worker claims and sends together:
# the database's work is paid per batch. A worker killed mid-batch leaves them all to be
# checked on the platform (conversations/outbox.py); 1 sends one at a time.
DESK_SEND_BATCH = config.get("DESK_SEND_BATCH", env.int, default=10)
if DESK_SEND_BATCH < 1:
    raise ImproperlyConfigured("Setting DESK_SEND_BATCH is malformed: at least 1.")
# Processes on one host wake each other with a loopback UDP doorbell (realtime/doorbell.py):
# the relay on this port, the callback applier on the next (PostgreSQL also NOTIFYs it). 0: off.
DESK_DOORBELL_PORT = config.get("DESK_DOORBELL_PORT", env.int, default=8199)
# How often, without a ring, each daphne process reads events its sockets were not pushed
# (realtime/relay.py), and the callback applier looks for callbacks.
DESK_PUMP_SECONDS = config.get("DESK_PUMP_SECONDS", env.float, default=1.0)
DESK_APPLIER_POLL_SECONDS = config.get("DESK_APPLIER_POLL_SECONDS", env.float, default=1.0)
# The websocket heartbeat: the page pings once per interval (desk/consumers.py). Each round
# trip costs daphne CPU, and with thousands of idle sockets the heartbeat is most of what an idle
# desk spends (bench/idle.py): a longer interval costs less, a shorter one notices a dropped socket
# sooner. A page in a tab the
# browser throttles pings about once a minute whatever the interval, so a proxy in front must
# allow more than a minute of silence anyway (deploy/nginx.conf: 130 s). A silently dropped
# socket is noticed by the page after two intervals and 5 s.
DESK_HEARTBEAT_SECONDS = config.get("DESK_HEARTBEAT_SECONDS", env.float, default=40.0)
# Events older than this are pruned; a client further behind is told to reload.
DESK_EVENT_RETENTION_HOURS = config.get("DESK_EVENT_RETENTION_HOURS", env.float, default=24.0)
# An operator whose page has not sent a presence heartbeat for this long is shown offline.
DESK_PRESENCE_TIMEOUT_SECONDS = config.get("DESK_PRESENCE_TIMEOUT_SECONDS", env.float, default=60.0)
# Hand queued conversations to online operators with free capacity (desk/clock.py, hand-over).
DESK_AUTO_ASSIGN = config.flag("DESK_AUTO_ASSIGN", default=False)
# How long the platform's template list is kept in each process before it is asked again.
DESK_TEMPLATES_CACHE_SECONDS = config.get("DESK_TEMPLATES_CACHE_SECONDS", env.float, default=60.0)

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes; operators/sign_in.py). Wrong passwords within the cool-off
# lock: one account from one address, one account from anywhere, and one address for every
# account (a whole office behind one NAT: hence its higher limit).
DESK_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS = config.get(
    "DESK_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", env.int, default=5
)
DESK_LOGIN_FAILURES_PER_ACCOUNT = config.get("DESK_LOGIN_FAILURES_PER_ACCOUNT", env.int, default=20)
DESK_LOGIN_FAILURES_PER_ADDRESS = config.get("DESK_LOGIN_FAILURES_PER_ADDRESS", env.int, default=50)
DESK_LOGIN_LOCKOUT_MINUTES = config.get("DESK_LOGIN_LOCKOUT_MINUTES", env.float, default=15.0)
# How many proxies in front of daphne append to X-Forwarded-For (nginx: 1). 0: the header is
# the client's own and is ignored; the address is the connection's.
DESK_TRUSTED_PROXIES = config.get("DESK_TRUSTED_PROXIES", env.int, default=0)
for _name in (
    "DESK_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS",
    "DESK_LOGIN_FAILURES_PER_ACCOUNT",
    "DESK_LOGIN_FAILURES_PER_ADDRESS",
    "DESK_LOGIN_LOCKOUT_MINUTES",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"Setting {_name} is malformed: it must be above 0.")
if DESK_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("Setting DESK_TRUSTED_PROXIES is malformed: it must be 0 or more.")
AUTHENTICATION_BACKENDS = [
    "operators.sign_in.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "operators.sign_in.SignInThrottleHandler"
AXES_LOCKOUT_PARAMETERS = "operators.sign_in.lockout_parameters"
AXES_FAILURE_LIMIT = 100  # percent of the nearest rule's limit (operators/sign_in.py)
AXES_COOLOFF_TIME = "operators.sign_in.cool_off_of"
AXES_CLIENT_IP_CALLABLE = "operators.sign_in.client_address"
AXES_LOCKOUT_CALLABLE = "operators.sign_in.lockout_response"
# A refused attempt while locked does not count again, so the lock ends a cool-off after the
# failure that set it, and hammering a locked pair adds nothing to the account's own count.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful sign-in forgets that person's own earlier mistakes from that address.
AXES_RESET_ON_SUCCESS = True
# Successful sign-ins are not logged row by row (the audit log keeps what matters).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner in every manage.py command; failures are still logged

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:index"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The desk's time zone (an IANA name) for pages, reports' days and logs, until an admin
# chooses another on the admin pages; each operator may choose their own (operators/preferences.py).
DESK_TIME_ZONE = config.get("DESK_TIME_ZONE", env.str, default="UTC")
try:
    zoneinfo.ZoneInfo(DESK_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"Setting DESK_TIME_ZONE is malformed: {DESK_TIME_ZONE!r} is not an IANA time zone "
        "(e.g. Europe/Moscow)."
    ) from None
TIME_ZONE = DESK_TIME_ZONE
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
# Production sits behind a TLS proxy that sets X-Forwarded-Proto: plain HTTP is redirected
# and browsers are told to use HTTPS only (a year; the desk's own host and its subdomains).
SECURE_SSL_REDIRECT = config.flag("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health probes come from inside the network over plain HTTP and do not follow redirects.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = config.get(
    "SECURE_HSTS_SECONDS", env.int, default=0 if DEBUG else 365 * 24 * 3600
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = config.flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = config.flag("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Where attachments shown inline may come from, besides the desk and the platform's own host;
# e.g. the media storage's CDN: "https://media.example.com".
DESK_CSP_MEDIA_SOURCES = config.get("DESK_CSP_MEDIA_SOURCES", env.list, default=["https:"])
_platform = urlsplit(FROMNI_BASE_URL or "")
_media = ["'self'", "data:", "blob:", *DESK_CSP_MEDIA_SOURCES]
if _platform.netloc:
    _media.append(f"{_platform.scheme}://{_platform.netloc}")  # django-csp drops a repeat
# Operators read text that strangers typed into messengers, so the page is hostile territory:
# scripts and styles come only from the desk's own static files (no inline script, no eval), the
# page cannot be framed, forms post only to the desk, and the only network peers are the desk and
# its websocket (whose origin operator_desk/csp.py adds per request). Images and media in
# messages may come from the platform's host and DESK_CSP_MEDIA_SOURCES (by default any https:
# origin, where media storages live). django-csp sends it (4.x configuration).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _media,
        "media-src": _media,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Libraries that log each failed attempt while the database or Redis is away (a traceback
    # a second per process, a line per reconnection): once a minute is enough beside the
    # desk's own start-and-end lines (operator_desk/outage.py).
    "filters": {
        "once_a_minute": {"()": "operator_desk.outage.QuietRepeats", "seconds": 60},
        # psycopg-pool words each step of one outage differently (connecting, reconnecting):
        # one line a minute for all of them.
        "pool_once_a_minute": {
            "()": "operator_desk.outage.QuietRepeats",
            "seconds": 60,
            "per_logger": True,
        },
        "no_unavailable": {"()": "operator_desk.outage.UnavailableAnswers"},
        "refusals_without_traceback": {"()": "operator_desk.request_log.RefusalsWithoutTraceback"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "channels_redis.pubsub": {"filters": ["once_a_minute"]},
        "psycopg.pool": {"filters": ["pool_once_a_minute"]},
        "django.request": {"filters": ["no_unavailable", "refusals_without_traceback"]},
        # django-axes narrates every sign-in at INFO; its warnings (each failure, each lockout)
        # stay.
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": config.get("LOG_LEVEL", env.str, "INFO")},
}
