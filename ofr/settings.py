"""Settings for the OFR case management system.

Everything deployment-specific comes from environment variables (see README,
"Configuration"). Defaults fail closed: DEBUG is off unless set, and outside
DEBUG the app refuses to start without SECRET_KEY.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

# The access log's own key (ofr/audit.py), apart from SECRET_KEY: it keys the
# log's hash chain and the hashes of search terms, so that whoever holds the
# database but not this key can neither re-chain edited rows nor test names.
# Rotate by moving the old key to AUDIT_KEY_FALLBACKS (verification needs it).
AUDIT_KEY = env_str("AUDIT_KEY")
if not AUDIT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "AUDIT_KEY is not set. Set it to a long random value, different from SECRET_KEY "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))'), "
            "or set DEBUG=1 for local development."
        )
    AUDIT_KEY = "insecure-development-audit-key-only-used-when-DEBUG-is-on"
if AUDIT_KEY == SECRET_KEY:
    # One value for both would make a leak of either a leak of both.
    raise ImproperlyConfigured("AUDIT_KEY must differ from SECRET_KEY.")
AUDIT_KEY_FALLBACKS = env_list("AUDIT_KEY_FALLBACKS")

# Keys of the fields encrypted at rest (ofr/encryption.py: decedent identifiers,
# second-factor secrets), Fernet keys, newest first: the first encrypts and
# keys the blind indexes, all of them decrypt. Rotate by putting a new key
# first and running `manage.py rotate_field_keys`; then drop the old ones.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Set it to a Fernet key (python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'), "
            "kept out of database backups, or set DEBUG=1 for local development."
        )
    # A fixed, public key: DEBUG's demo and tests only.
    FIELD_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQta2V5LW9ubHktd2hlbi1ERUJVRyE="]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 random bytes in URL-safe base64)."
        ) from exc

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_tasks",
    "django_tasks_db",
    "ofr",
    "cases",
    "recommendations",
    "meetings",
    "api",
    # django-ninja's own templates and static files: the API docs page is
    # served from them (no CDN).
    "ninja",
    "demo",  # last: it imports from every app
]

# Review members see a case once cleared for its review; the meetings app
# decides that (cases/access.py: NoClearance). The apps depend one way:
# ofr <- cases <- recommendations <- meetings.
CASE_REVIEW_CLEARANCE = "meetings.access.SignedForMeeting"

MIDDLEWARE = [
    # First: every log line of the request carries its id (ofr/request_log.py).
    "ofr.request_log.RequestIdMiddleware",
    # A view's query that finds the database locked or gone answers 503 with
    # what was typed (ofr/db_unavailable.py; handler500 covers the middlewares).
    "ofr.db_unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ofr.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the set_language cookie, else the browser's Accept-Language,
    # else LANGUAGE_CODE. After sessions, before CommonMiddleware (Django's order).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages middleware: it tells the user why they were signed out.
    "ofr.middleware.SessionLifetimeMiddleware",
    # After the session's lifetime is settled: no page but the second step's
    # until the person has passed it (or enrolled, the first time).
    "ofr.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "ofr.middleware.DeniedAccessAuditMiddleware",
    # Last, so that it sees the lockout flag set by the authentication backend.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ofr.urls"
WSGI_APPLICATION = "ofr.wsgi.application"

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
                "ofr.context_processors.memberships",
                "cases.context_processors.navigation",
                "recommendations.context_processors.navigation",
                "meetings.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "ofr.forms.USWDSFormRenderer"

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
SQLITE_PATH = env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN: with the default DEFERRED mode,
        # concurrent writers fail with "database is locked" instead of waiting.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets readers run beside the writer; FULL loses no commit on power loss.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
    # Tests use a file, not :memory:, so that threads share one real database;
    # one per process, so that two test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db.{os.getpid()}.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the case list's visibility subqueries on every
    # request (costed high, cheap to run): 1.5 s of JIT for an 80 ms scan at
    # 10,000 cases. The app's connections turn it off; nothing it runs gains from it.
    # A lock held elsewhere (a long transaction, a migration, an operator's
    # LOCK TABLE) makes a query wait at most PG_LOCK_TIMEOUT and any statement
    # runs at most PG_STATEMENT_TIMEOUT: the person then gets the 503 page
    # with what they typed (ofr/db_unavailable.py) instead of a request hung
    # until the proxy gives up. "0" turns either off (a long migration).
    # Added to any options DATABASE_URL gives. Behind a pooler that refuses
    # startup options (PgBouncer), set PG_JIT_OPTION=0 and ALTER ROLE ... SET
    # jit = off, lock_timeout = ..., statement_timeout = ... instead.
    if env_bool("PG_JIT_OPTION", True):
        sent = {
            "jit": "off",
            "lock_timeout": env_str("PG_LOCK_TIMEOUT", "10s"),
            "statement_timeout": env_str("PG_STATEMENT_TIMEOUT", "60s"),
        }
        for name, value in sent.items():
            if not re.fullmatch(r"\d+(ms|s|min)?|off", value):
                raise ImproperlyConfigured(
                    f"PG_{name.upper()} must be a PostgreSQL duration such as 10s, not {value!r}"
                )
        options = DATABASES["default"].setdefault("OPTIONS", {})
        given = options.get("options", "")
        options["options"] = " ".join([given, *(f"-c {k}={v}" for k, v in sent.items())]).strip()
# Never wrap whole requests in a transaction: access events must survive a
# failing request, and on SQLite it would make every GET a serialized writer.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out attempt is refused before the costly hash check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ofr.passwords.ContextWordsValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: database-backed; ofr.middleware.SessionLifetimeMiddleware ends them
# after SESSION_IDLE_MINUTES without a request (HIPAA automatic logoff) and
# SESSION_MAX_HOURS after sign-in whatever the activity.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling (django-axes): 5 failures lock that username from that IP
# address for AXES_COOLOFF_MINUTES, so that one person's mistakes do not lock
# out colleagues behind the same office proxy.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ofr.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "ofr.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Second factor (ofr/second_factor.py): an authenticator app's code after the
# password, for everyone with a role on case files, coordinators, facilitators,
# oversight and staff (and a team's agency partners when the team asks). Wrong
# codes wait 1, 2, 4, ... times this many seconds (django-otp's throttling), and
# AXES_FAILURE_LIMIT of them in a row lock the second step for AXES_COOLOFF_MINUTES.
SECOND_FACTOR_THROTTLE_SECONDS = env_int("SECOND_FACTOR_THROTTLE_SECONDS", 1)
# The issuer an authenticator app shows beside the account.
SECOND_FACTOR_ISSUER = env_str("SECOND_FACTOR_ISSUER", "OFR case management")
# How many reverse proxies in front of the app append to X-Forwarded-For.
# 0 (the default) trusts only the socket address; never trust the header blindly.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# django-guardian: no anonymous user, no global permissions, direct-FK tables.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# django-simple-history
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_DATE_INDEX = "Composite"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
# English, and Spanish where families and the public read: the public
# recommendations page, signing in and the account pages (README, Languages).
# Other pages fall back to English. URLs carry no language prefix: the choice
# is a cookie (docs/decisions.md).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Case documents, meeting packets and recommendation evidence: the "private"
# storage, a folder (MEDIA_ROOT) by default or an S3-compatible bucket. Neither
# is ever given out by URL: files leave only through ofr.files.send_stored_file.
OFR_STORAGE = env_str("OFR_STORAGE", "s3" if env_str("AWS_STORAGE_BUCKET_NAME") else "local")
if OFR_STORAGE == "local":
    # No location: FileSystemStorage reads MEDIA_ROOT when used.
    PRIVATE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif OFR_STORAGE == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("OFR_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    AWS_S3_ADDRESSING_STYLE = env_str("AWS_S3_ADDRESSING_STYLE", "auto")
    if AWS_S3_ADDRESSING_STYLE not in {"auto", "virtual", "path"}:
        raise ImproperlyConfigured("AWS_S3_ADDRESSING_STYLE must be auto, virtual or path.")
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "addressing_style": AWS_S3_ADDRESSING_STYLE,
            # No keys here: boto3 reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
            # (or the host's role) itself, so they never sit in settings.
            # Objects take the bucket's own, private permissions: never a public ACL.
            "default_acl": None,
        },
    }
else:
    raise ImproperlyConfigured(f"OFR_STORAGE must be local or s3, not {OFR_STORAGE!r}.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# The private storage's folder when OFR_STORAGE is local: outside the static
# root, served only by permission-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
OFR_MAX_UPLOAD_BYTES = env_int("OFR_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)

# Meeting packets are laid out by a background task (django-tasks, database
# backend: no extra server), run by `manage.py db_worker`, in a child process
# stopped after OFR_PACKET_TIME_LIMIT seconds or at OFR_PACKET_MEMORY_LIMIT_MB
# of address space (meetings/packet_jobs.py).
# E-mail (overdue reminders, password resets): printed to the console unless
# an SMTP host is set.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ofr@localhost")
# A password-reset link works once, for this long (Django's default is 3 days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60
# Reset requests for one e-mail address answered in an hour, whether or not an
# account has it (ofr/account_views.py); more are refused until the hour passes.
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 3)
# The partner API (api/): calls a key may make in any 60 seconds, and the
# longest a key may live.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 60)
API_KEY_MAX_DAYS = env_int("API_KEY_MAX_DAYS", 365)
# The address people use to reach the app, for links in e-mails.
OFR_SITE_URL = env_str("OFR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
OFR_PACKET_TIME_LIMIT = env_int("OFR_PACKET_TIME_LIMIT", 120)
# /healthz fails when a packet job has waited longer than this for a worker
# (the worker is down or stuck).
HEALTH_QUEUE_MAX_SECONDS = env_int("HEALTH_QUEUE_MAX_SECONDS", 900)
# Where packets are laid out (meetings/packet_jobs.py); empty: a private
# folder in the system temp folder.
OFR_PACKET_WORK_DIR = env_str("OFR_PACKET_WORK_DIR", "")
OFR_PACKET_MEMORY_LIMIT_MB = env_int("OFR_PACKET_MEMORY_LIMIT_MB", 2048)
# Django refuses larger request bodies outright (a clear 400) before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Files up to the upload limit stay in memory, larger ones are discarded and
# refused by size: no upload is ever written to a temporary file (ofr/uploads.py).
FILE_UPLOAD_MAX_MEMORY_SIZE = OFR_MAX_UPLOAD_BYTES + 64 * 1024  # the form's other fields
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "ofr.uploads.DiscardingUploadHandler",
]

# Transport and browser security. Production defaults; DEBUG (local http) relaxes
# only what cannot work without TLS.
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The language chosen with the footer's switch: like the others, HTTPS-only
# where cookies are, and unread by scripts (the pages have none that need it).
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if SECURE_COOKIES:
    # The __Host- prefix pins the cookies to this host, path / and HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe the health check over plain HTTP, without the proxy's header.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Django's admin templates put style attributes on some elements; the admin
# alone may use them (attributes only: no inline <style> or script anywhere).
ADMIN_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY + "; style-src-attr 'unsafe-inline'"
# HSTS preload is a commitment of the whole domain; the operator opts in.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Logging: server errors are visible on stderr. Log lines carry ids and codes,
# never decedent data; Django's error e-mails (which include request data) are off.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# JSON lines in production (one object per line, for log collectors), plain
# text when DEBUG is on; LOG_FORMAT=json|text overrides.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "ofr.request_log.RequestContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user_id)s]: %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            # Django attaches the request to some records (5xx, security); its
            # repr holds the URL with its query string: never written out.
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request"],
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # At DEBUG the template engine logs the variables it failed to resolve,
        # with the whole context: case content, whatever LOG_LEVEL says.
        "django.template": {"level": "INFO"},
        # django-axes logs every sign-in at INFO; failures reach the access log instead.
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
ADMINS = []
