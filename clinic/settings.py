"""Between's one settings module, driven by environment variables.

Every value comes from the environment through django-environ; a value that
cannot be parsed stops the process at start-up rather than running with a
silent default.  Development defaults are safe only because ``DEBUG`` is off
unless asked for and ``SECRET_KEY`` must be given when it is off.
"""

import hmac
import os
import sys
from pathlib import Path
from urllib.parse import unquote

import environ
import pghistory
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="between-development-only-secret-key")
else:
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters")


def _key_outside_the_database(name: str, purpose: bytes) -> str:
    """A MAC key that only the environment holds (never the database).

    Production must set it and keep it (another key fails every older MAC).
    Development, a pytest run (PYTEST_VERSION, inherited by its subprocesses)
    and mypy's Django plugin, which only imports this module, derive one from
    SECRET_KEY.
    """
    key = env.str(name, default="")
    if not key:
        if not (DEBUG or "PYTEST_VERSION" in os.environ or "mypy" in sys.modules):
            raise ImproperlyConfigured(
                f"{name} must be set when DEBUG is off (32 characters or more)"
            )
        return hmac.new(SECRET_KEY.encode(), purpose, "sha256").hexdigest()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{name} must be at least 32 characters")
    return key


# The audit chain's key (clinic/audit.py): every audit row carries an HMAC
# under it, so that rows rewritten in the database, even by its owner, fail
# ``manage.py audit_verify``.
AUDIT_HMAC_KEY = _key_outside_the_database("AUDIT_HMAC_KEY", b"between audit chain")
# The key of signed-note and addendum digests (notes/signature_hashes.py):
# whoever rewrites a signed note in the database cannot recompute its digest.
SIGNATURE_HMAC_KEY = _key_outside_the_database(
    "SIGNATURE_HMAC_KEY", b"between note signatures"
)

# Where ``manage.py audit_anchor`` appends the chain's signed head; keep a
# copy of it off this host.
AUDIT_ANCHOR_DIR = Path(
    env.str("AUDIT_ANCHOR_DIR", default=str(BASE_DIR / "var" / "audit-anchors"))
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "clinic",
    "notes",
    "attachment",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.middleware.MembershipMemoMiddleware",
    # Dates in the locale of the person's clinic (clinic.dates).
    "clinic.dates.DateLocaleMiddleware",
    # Audits the refusals of every layer below it once they have answered,
    # after the request's transaction (and its rollback) has ended.
    "clinic.middleware.RefusalAuditMiddleware",
    "clinic.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clinic.middleware.MfaEnrolmentMiddleware",
    "clinic.middleware.ContentSecurityPolicyMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Axes must be last so that it sees the outcome of every other layer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "clinic.context_processors.navigation",
            ],
            # {{ value|when:"date" }} on every page (clinic.dates).
            "builtins": ["clinic.templatetags.dates"],
        },
    },
]

# PostgreSQL only: history triggers, constraints and set-based scans need it.
DATABASES = {"default": env.db_url("DATABASE_URL")}
# A socket directory arrives percent-encoded in the URL's host part.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL")
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Each web and worker process keeps its connection for a minute rather than
# opening one per request (a new PostgreSQL backend costs a few milliseconds
# of both processes' CPU), and checks it before reusing it after an idle
# spell, so that a restarted database costs one failed check, not an error.
# 0 closes the connection after every request (behind a pooler such as
# PgBouncer in transaction mode, set 0 and let the pooler keep them).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The role web, worker and beat connect as when it is not the owner that runs
# ``migrate``: migrate grants it what clinic/database_roles.py lists (no
# UPDATE or DELETE on audit and history rows).  Set it where migrate runs.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")

# Change history: every insert, update and delete of a tracked model is kept,
# with the acting user attached by pghistory's middleware.
PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
# pghistory's admin is not installed: history rows of notes and records hold
# clinical text, and the operator who uses Django admin must not read it.

# A shared cache (Redis in production) so that allauth's TOTP replay guard and
# rate limits hold across gunicorn workers.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
}
# The integrations' rate limits and refusal counts, shared by every web worker
# (clinic.integrations.counters): Redis, answering fast or not at all (an
# unreachable Redis lets calls through rather than hold them).
THROTTLE_CACHE = env.cache_url("THROTTLE_CACHE_URL", default="redis://127.0.0.1:6379/3")
if THROTTLE_CACHE["BACKEND"].endswith(".RedisCache"):
    THROTTLE_CACHE.setdefault("OPTIONS", {}).update(
        socket_connect_timeout=1, socket_timeout=1
    )
CACHES["throttle"] = THROTTLE_CACHE

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "clinic.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "clinic:home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail is the login; no self sign-up in a clinic.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "clinic.adapters.ClinicAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed sign-ins are counted by axes alone (username + IP, in the database,
# shared by every worker).  allauth's own per-address counter lives in the
# per-process cache and would lock an address out from every IP.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Between"
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)
MFA_ADAPTER = "clinic.adapters.ClinicMFAAdapter"
# Two-factor secrets are encrypted at rest with this Fernet key; a list of
# several allows rotation (the first encrypts, every one decrypts).  Unset, a
# key derived from SECRET_KEY is used, which ties the secrets to SECRET_KEY.
MFA_SECRET_KEYS = env.list("MFA_SECRET_KEY", default=[])
for _key in MFA_SECRET_KEYS:
    try:
        Fernet(_key)
    except ValueError as error:
        raise ImproperlyConfigured(
            "MFA_SECRET_KEY must be Fernet keys (Fernet.generate_key())"
        ) from error

# The client's address is read this many hops from the right of
# X-Forwarded-For (clinic.client_ip): 1 behind one reverse proxy that appends
# to it.  0 trusts the header not at all and takes REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# django-axes: lock a username+IP pair after five failures.  allauth sends the
# address as ``email``; the callable finds it there (and normalises its case).
# The lock lasts AXES_COOLOFF_MINUTES, doubled for each further lockout of the
# pair within a day, up to a day (clinic.adapters.axes_cool_off); the handler
# holds each lock to the expiry stored with it, and the failure log is what
# the doubling counts.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
if AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_COOLOFF_MINUTES must be at least 1")
AXES_COOLOFF_TIME = "clinic.adapters.axes_cool_off"
AXES_HANDLER = "clinic.adapters.ClinicAxesHandler"
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "clinic.client_ip.client_ip"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "clinic.adapters.axes_username"
AXES_CLIENT_STR_CALLABLE = "clinic.adapters.axes_client_str"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Idle timeout: the session expires SESSION_IDLE_MINUTES after the last request.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be at least 1")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
# Where a phone number written without its country code is read
# (attachment.ingestion.addresses).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="GB")
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="between@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Celery: Redis when CELERY_BROKER_URL is set, otherwise tasks run eagerly
# in-process so that a laptop needs no broker.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a web request must fail fast when Redis is down (the
# contact is saved anyway; clinic.publishing logs it and the nightly scan
# catches up): a short connect timeout, and no retry (set per publish).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A queue name of its own lets the reliability tests run a worker that sees
# only their messages.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# Time limits sit below the visibility timeout so a stuck task is killed
# before Redis would hand it to a second worker.
CELERY_TASK_SOFT_TIME_LIMIT = int(CELERY_BROKER_VISIBILITY_TIMEOUT * 0.5)
CELERY_TASK_TIME_LIMIT = int(CELERY_BROKER_VISIBILITY_TIMEOUT * 0.75)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The nightly scan's schedule lives in the database (django-celery-beat's
# PeriodicTask "nightly pattern scan", 02:30 UTC, created by
# attachment/migrations/0004), so it can be changed in the admin.
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_TIMEZONE = "UTC"

# Empty unless given: seed_demo then uses the published development password,
# and only with DEBUG on (clinic.demo.demo_password).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request errors would carry POST bodies; keep the default handler quiet.
        "django.request": {"level": "ERROR"},
    },
}

# The ingestion API (/api/v1/): integration tokens only (a signed-in session
# gets no API access), scopes checked per view, JSON in and out, and errors
# that never repeat what was sent.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.integrations.authentication.IntegrationTokenAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clinic.integrations.permissions.HasScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.integrations.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "clinic.integrations.throttling.IntegrationRateThrottle"
    ],
}
# The largest API request body; a larger one answers 413.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Between ingestion API",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
