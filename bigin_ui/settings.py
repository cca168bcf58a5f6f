"""Django settings, read from environment variables (see README "Configuration")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

from bigin_ui.env import (
    ConfigError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_mapping,
    env_str,
    persistent_secret,
)


def proxy_ssl_header(parts: list[str]) -> tuple[str, str] | None:
    """``HTTP_X_FORWARDED_PROTO,https`` → Django's (header, value) pair; empty → None."""
    if not parts:
        return None
    if len(parts) != 2 or not parts[0].startswith("HTTP_"):
        raise ConfigError("SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO,https")
    return parts[0], parts[1]


BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files (SQLite databases, logs) live here unless DATABASE_URL points elsewhere.
DATA_DIR = Path(env_str("BIGIN_UI_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Without SECRET_KEY, a random key is generated once and kept beside the database, so a
# fresh install runs as is and keeps its sessions across restarts.
SECRET_KEY = env_str("SECRET_KEY") or persistent_secret(DATA_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS. Off by default so `make run` works on http://127.0.0.1; behind a TLS proxy set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only if the proxy sets that header and
# strips it from clients), then the rest to true / a year (see README "Configuration").
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# A load balancer probing /healthz over plain HTTP must get its answer, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(env_list("SECURE_PROXY_SSL_HEADER"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.forms",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "template_partials",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "bigin_ui.connection",
    "bigin_ui.metadata",
    "bigin_ui.queue",
    "bigin_ui.imports",
    "bigin_ui.people",
    "bigin_ui.web",
    "bigin_ui.sandbox",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bigin_ui.people.middleware.PersonZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout found during authentication into the page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp 4): the pages load scripts and styles from our own
# static files only. Text from Bigin is escaped by the templates; this stops whatever would
# slip through from running (no inline script, no inline event handler or style attribute).
# data: images only for the empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "bigin_ui.urls"
WSGI_APPLICATION = "bigin_ui.wsgi.application"

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
                "bigin_ui.web.context_processors.navigation",
            ],
        },
    }
]


def _database(name: str, url: str) -> dict[str, Any]:
    try:
        config: dict[str, Any] = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as exc:  # an unknown scheme, a malformed URL
        # The URL itself is not repeated (it may hold a password), nor dj-database-url's
        # list of every backend it knows.
        why = ("its scheme is not one of postgres://, sqlite://"
               if isinstance(exc, dj_database_url.UnknownSchemeError) else "it is malformed")
        raise ConfigError(f"{name} is not a database URL this app can use: {why}. Use e.g. "
                          "postgres://user@host:5432/name or sqlite:////path/to/file.sqlite3"
                          ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web server, the worker and the sandbox share SQLite files: WAL lets readers
        # run beside a writer, and IMMEDIATE transactions make writers queue on the busy
        # timeout instead of failing with "database is locked" when they upgrade a lock.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": _database(
        "DATABASE_URL", env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'bigin_ui.sqlite3'}",
    ),
    # The simulator keeps "Bigin's" records in a database of its own, as the real Bigin would,
    # so nothing the app does to its own tables can leak into the sandbox's state.
    "sandbox": _database(
        "SANDBOX_DATABASE_URL",
        env_str("SANDBOX_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'sandbox.sqlite3'}",
    ),
}
DATABASE_ROUTERS = ["bigin_ui.sandbox.routers.SandboxRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes): the lockout check runs before the password check.
AUTHENTICATION_BACKENDS = [
    "bigin_ui.web.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# N failed log-ins lock a username, and N from one address lock that address, for
# LOGIN_LOCKOUT_MINUTES (each failure during the lockout starts it again). An admin unlocks
# early by deleting the access attempts in Django's admin.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bigin_ui.web.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "bigin_ui.web.auth.client_ip"
# Without this, every management command starts with an axes banner on stderr, which scripts
# reading bigin_import's error lines would have to skip. Failures are still logged.
AXES_VERBOSE = False
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For
# (0: use the connection's address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"  # the home view sends each role to its own start page
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the finders so a fresh checkout works without collectstatic.
WHITENOISE_USE_FINDERS = True

# Widget templates may live in the project's templates/ directory.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Background work: the Tasks API. The database backend needs no extra service; Redis
# (django-tasks-rq) is the documented alternative for larger installs.
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Bigin ---------------------------------------------------------------------------------
BIGIN_DC = env_str("BIGIN_DC", "us").lower()
BIGIN_API_DOMAIN = env_str("BIGIN_API_DOMAIN")
BIGIN_ACCOUNTS_URL = env_str("BIGIN_ACCOUNTS_URL")
BIGIN_CLIENT_ID = env_str("BIGIN_CLIENT_ID")
BIGIN_CLIENT_SECRET = env_str("BIGIN_CLIENT_SECRET")
BIGIN_REFRESH_TOKEN = env_str("BIGIN_REFRESH_TOKEN")
# Where the app reaches its own simulator when no real connection is configured.
BIGIN_SANDBOX_URL = env_str("BIGIN_SANDBOX_URL", "http://127.0.0.1:8000/sandbox").rstrip("/")
# The simulator's URLs are mounted unless turned off (they never are in front of a real org
# unless asked for, see urls.py).
BIGIN_SANDBOX_ENABLED = env_bool(
    "BIGIN_SANDBOX_ENABLED", not (BIGIN_CLIENT_ID and BIGIN_REFRESH_TOKEN)
)
if BIGIN_SANDBOX_ENABLED:
    # Stamps each request's arrival, so a sandbox call takes latency_ms in all, not
    # latency_ms after the app's middleware (sandbox/middleware.py).
    MIDDLEWARE.insert(0, "bigin_ui.sandbox.middleware.arrival_stamp")
# The header token scripts and tests send to the sandbox's control API (/sandbox/_control/…).
# Generated once beside the database unless set; see README "Configuration".
BIGIN_SANDBOX_CONTROL_TOKEN = env_str("BIGIN_SANDBOX_CONTROL_TOKEN") or (
    persistent_secret(DATA_DIR / "sandbox_control_token") if BIGIN_SANDBOX_ENABLED else "")
BIGIN_CONNECT_TIMEOUT = env_float("BIGIN_CONNECT_TIMEOUT", 5.0)
BIGIN_READ_TIMEOUT = env_float("BIGIN_READ_TIMEOUT", 60.0)
BIGIN_MAX_CONCURRENCY = env_int("BIGIN_MAX_CONCURRENCY", 5, minimum=1)
BIGIN_DAILY_CREDITS = env_int("BIGIN_DAILY_CREDITS", 5000, minimum=1)
BIGIN_BATCH_SIZE = min(env_int("BIGIN_BATCH_SIZE", 100, minimum=1), 100)
# "workflow" (Bigin's default: workflows run) or "none" (send "trigger": []).
BIGIN_TRIGGER = env_str("BIGIN_TRIGGER", "workflow").lower()
# Module=Field pairs naming a custom unique text field that receives each row's UUID.
BIGIN_ENTRY_KEYS = env_mapping("BIGIN_ENTRY_KEYS")
# Extra seconds a worker's claim on rows outlives its slowest possible call before another
# process may treat the rows as abandoned.
BIGIN_LEASE_MARGIN_SECONDS = env_float("BIGIN_LEASE_MARGIN_SECONDS", 30.0)
# Extra worker processes that may join one run (queue/share.py): a helper task per extra
# worker is queued with each run of more than one batch. 0 keeps a run on one worker.
BIGIN_RUN_HELPERS = env_int("BIGIN_RUN_HELPERS", 0, minimum=0)
# The largest answer body a call reads (bytes), and the whole time one call may take, reading
# included; an answer over either is not read, and a write's rows are reconciled.
BIGIN_MAX_ANSWER_BYTES = env_int("BIGIN_MAX_ANSWER_BYTES", 20_000_000, minimum=1000)
BIGIN_CALL_DEADLINE_SECONDS = env_float(
    "BIGIN_CALL_DEADLINE_SECONDS", BIGIN_CONNECT_TIMEOUT + BIGIN_READ_TIMEOUT)
# Answer bodies kept in the attempt history are cut to this many characters, with a marker.
BIGIN_MAX_STORED_BODY_CHARS = env_int("BIGIN_MAX_STORED_BODY_CHARS", 64_000, minimum=100)
# Access-token requests allowed per 10 minutes, failed ones included, across processes. Zoho
# locks a refresh token out after about ten; a handful leaves room for other tools.
BIGIN_REFRESH_BUDGET = env_int("BIGIN_REFRESH_BUDGET", 5, minimum=1)
BIGIN_MAX_RETRIES = env_int("BIGIN_MAX_RETRIES", 5, minimum=0)
BIGIN_RETRY_BASE_SECONDS = env_float("BIGIN_RETRY_BASE_SECONDS", 1.0)
# Look up each row's unique value in Bigin before sending it (costs one search per row).
BIGIN_CHECK_EXISTING = env_bool("BIGIN_CHECK_EXISTING", False)
# Seconds Bigin's search index may lag behind inserts; reconciliation waits this long.
BIGIN_SEARCH_LAG_SECONDS = env_float("BIGIN_SEARCH_LAG_SECONDS", 20.0)
# Fernet key for secrets stored from the connection page; derived from SECRET_KEY if unset.
BIGIN_FERNET_KEY = env_str("BIGIN_FERNET_KEY")
# Spreadsheet imports: the largest file accepted (checked before it is read) and where
# uploaded files wait between upload, preview and queueing.
BIGIN_IMPORT_MAX_BYTES = env_int("BIGIN_IMPORT_MAX_BYTES", 50_000_000, minimum=1)
BIGIN_IMPORT_DIR = Path(env_str("BIGIN_IMPORT_DIR", str(DATA_DIR / "imports")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        # Every log-in and clean-up at INFO; failures and lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}
