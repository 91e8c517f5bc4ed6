"""Django settings for Communes+.

Everything comes from environment variables. With none set, the hub runs on embedded defaults:
SQLite, the in-memory channel layer, Celery tasks executed in-process and a local-memory cache.
With ``DATABASE_URL`` and ``REDIS_URL`` it runs on PostgreSQL, the Redis channel layer, a Redis
cache and a Redis Celery broker (see README "Configuration").
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Embedded mode: one random key per checkout, kept out of git, so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Extra websocket origins (scheme://host[:port], exact); a page's own origin (the handshake's Host, in
# ALLOWED_HOSTS, with its scheme and port) and CSRF_TRUSTED_ORIGINS are always accepted.
WS_ALLOWED_ORIGINS = env_list("WS_ALLOWED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules",
    "hub",
    "publications",
    "sessions_live",
    "forums",
    "notifications",
    # Above the feature apps it links (sessions, forums, publications): its demo data comes after theirs.
    "commitments",
    # The council's record: links live sessions and publications (at the commitments' level).
    "council",
    # Participatory planning: consultations, workshops, the citizen council (at the commitments' level).
    "consultations",
    # Good practices shared across communes: links forums (questions) and publications (documents).
    "practices",
    # Usage indicators, who takes part, dashboards and yearly reports: reads every app above.
    "evaluation",
    "workers",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hub.security.ContentSecurityPolicyMiddleware",
    # Pages and JSON compressed for 3G. CSRF tokens are masked per response (BREACH mitigation).
    "django.middleware.gzip.GZipMiddleware",
    # WhiteNoise, async-capable: every middleware here is, so a request stays in the event loop
    # until its view (hub/static_asgi.py).
    "hub.static_asgi.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Page views and downloads counted per commune, kind and day, nothing else (evaluation/usage.py);
    # above the read cache so that pages answered from memory count too.
    "evaluation.usage.UsageCountingMiddleware",
    # Anonymous public reads this process holds, answered in the event loop (hub/readcache.py).
    "hub.readcache.ReadCacheMiddleware",
    "hub.context.RequestContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
ASGI_APPLICATION = "hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
                "frontend.context_processors.workspace_link",
                # Last: a cached page's CSRF token is a placeholder each response fills in (hub.readcache).
                "hub.readcache.csrf_placeholder",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Persistent connections only help with a pooler in front under ASGI; 0 by default.
            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Django's backend with a circuit breaker: while PostgreSQL is away requests fail at once
        # (503), and the pool is renewed when it is back (hub/backends/postgresql, docs/resilience.md).
        DATABASES["default"]["ENGINE"] = "hub.backends.postgresql"
        # libpq's wait for a server that does not answer (2 s is its shortest).
        DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
            os.environ.get("DB_CONNECT_TIMEOUT", "2")
        )
    # Under ASGI Django's advice is a pool, not persistent connections: each request otherwise opens a
    # new PostgreSQL connection (several ms of the request's time). DB_POOL_MAX_SIZE > 0 turns on
    # psycopg's pool per server process (compose.yaml does); 0 (the default) keeps one connection
    # per request, which the test suite relies on.
    DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", "0"))
    if DB_POOL_MAX_SIZE > 0 and DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # The backend checks each pooled connection itself before a request gets it (Django's
        # CONN_HEALTH_CHECKS pool check sleeps between stale connections; hub/backends/postgresql).
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            # Past this wait for a connection the request is answered 503 + Retry-After (hub/overload.py).
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "5")),
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "communesplus.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not memory, so that the servers and workers the tests start see the test data.
            "TEST": {"NAME": str(VAR_DIR / "test-communesplus.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
KEY_PREFIX = os.environ.get("KEY_PREFIX", "cp")
# Redis high availability (docs/deploy.md "Production topology"): with REDIS_SENTINELS ("host:port,..."),
# every Redis client of the hub (cache, channel layer, live fan-out, presence, Celery broker) asks
# those sentinels for the current master of REDIS_SENTINEL_MASTER on each new connection, so a
# failover is followed; REDIS_URL then says only that Redis is on, and gives the database number and
# the credentials (its host and port are not used).
REDIS_SENTINELS = [
    (host.strip(), int(port))
    for host, _sep, port in (item.rpartition(":") for item in env_list("REDIS_SENTINELS"))
]
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "mymaster")
# Connections to the Sentinels themselves: short timeouts (a Sentinel that is down costs little).
REDIS_SENTINEL_OPTIONS = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
if REDIS_SENTINELS and not REDIS_URL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("REDIS_SENTINELS needs REDIS_URL (e.g. redis://redis/0): it says Redis is on.")


# The database number and credentials of REDIS_URL, which a sentinel-managed pool connects with.
REDIS_MASTER_OPTIONS: dict[str, object] = {}
if REDIS_SENTINELS:
    from redis.connection import parse_url

    REDIS_MASTER_OPTIONS = {k: v for k, v in parse_url(REDIS_URL).items() if k not in ("host", "port")}


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": KEY_PREFIX,
            # One pool per process (sentinel-managed with REDIS_SENTINELS).
            "OPTIONS": {"pool_class": "hub.cache.SharedConnectionPool"},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "sentinels": REDIS_SENTINELS,
                        "master_name": REDIS_SENTINEL_MASTER,
                        "sentinel_kwargs": REDIS_SENTINEL_OPTIONS,
                        **REDIS_MASTER_OPTIONS,
                    }
                    if REDIS_SENTINELS
                    else REDIS_URL
                ],
                "prefix": f"{KEY_PREFIX}:asgi",
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": KEY_PREFIX}
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Anonymous public reads served from memory under content versions (hub/readcache.py, docs/performance.md).
READ_CACHE = env_bool("READ_CACHE", True)
READ_CACHE_TTL = int(os.environ.get("READ_CACHE_TTL", "60"))  # seconds an entry is served at most
READ_CACHE_MAX_BYTES = int(os.environ.get("READ_CACHE_MAX_BYTES", str(64 * 1024 * 1024)))  # per process

# Seconds a client is asked to wait when the hub is overloaded or the database away (hub/overload.py).
OVERLOAD_RETRY_AFTER = int(os.environ.get("OVERLOAD_RETRY_AFTER", "5"))
# While PostgreSQL or Redis is away, each process tries it again this often (hub/overload.py).
SERVICE_PROBE_INTERVAL = float(os.environ.get("SERVICE_PROBE_INTERVAL", "0.5"))
# A process with live session sockets checks the database this often, to tell them when it goes
# away (read-only for now) and comes back (sessions_live/consumers/service.py).
DB_WATCH_INTERVAL = float(os.environ.get("DB_WATCH_INTERVAL", "2.0"))
# /healthz reuses a healthy answer this many seconds per process (a failure is never reused).
HEALTHZ_REUSE_SECONDS = float(os.environ.get("HEALTHZ_REUSE_SECONDS", "1.0"))

# --- Celery (the app lives in workers/celery.py) ------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
if REDIS_SENTINELS:
    # kombu's Sentinel transport: one sentinel:// URL per sentinel; the first one's credentials and
    # database number are the master's.
    _auth, _at, _rest = REDIS_URL.partition("://")[2].rpartition("@")
    _db = _rest.partition("/")[2].partition("?")[0] or "0"
    CELERY_BROKER_URL = ";".join(
        f"sentinel://{_auth}{_at}{host}:{port}/{_db}" for host, port in REDIS_SENTINELS
    )
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{KEY_PREFIX}:celery:", "visibility_timeout": 3600}
if REDIS_SENTINELS:
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        master_name=REDIS_SENTINEL_MASTER, sentinel_kwargs=dict(REDIS_SENTINEL_OPTIONS)
    )
CELERY_TIMEZONE = "Africa/Porto-Novo"

# --- Accounts and authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "hub.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "hub.auth_backends.IdentifierBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if env_bool("FAST_PASSWORD_HASHER"):  # test runs only: hashing cost is not what they measure
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:profile"
LOGOUT_REDIRECT_URL = "frontend:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Failed logins: after LOGIN_FAILURE_LIMIT failures for one identifier (or 4x that from one
# address) within LOGIN_FAILURE_WINDOW seconds, every attempt is answered 429 until it expires.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))
WS_TICKET_TTL = int(os.environ.get("WS_TICKET_TTL", "60"))
SIGNUP_PER_IP_PER_HOUR = int(os.environ.get("SIGNUP_PER_IP_PER_HOUR", "10"))
PASSWORD_RESET_PER_HOUR = int(os.environ.get("PASSWORD_RESET_PER_HOUR", "3"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("HTTPS"):
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", False)
if env_bool("TRUST_PROXY_HEADERS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# --- Internationalisation: French first, English second ----------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "cp_lang"
TIME_ZONE = "Africa/Porto-Novo"
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = env_bool("STATIC_USE_FINDERS", True)
WHITENOISE_MAX_AGE = int(os.environ.get("STATIC_MAX_AGE", "3600"))
# Static files up to this size are answered by the ASGI app from memory, before Django (hub/static_asgi.py).
STATIC_FAST_PATH = env_bool("STATIC_FAST_PATH", True)
STATIC_FAST_MAX_BYTES = int(os.environ.get("STATIC_FAST_MAX_BYTES", str(512 * 1024)))
# Uploaded files: a local folder by default, S3-compatible storage when a bucket is configured.
_S3_BUCKET = os.environ.get("S3_BUCKET", "")
_DEFAULT_STORAGE: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if _S3_BUCKET:
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _DEFAULT_STORAGE,
    # Pre-compressed copies (gzip) written by collectstatic; served by WhiteNoise.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Uploads: hostile until proven otherwise ----------------------------------------------------
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(25 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(40_000_000)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads spool to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # non-file request bodies

# The data file of what each commune must publish and when (publications/data/, docs/publications.md).
PUBLICATIONS_REGISTER_PATH = os.environ.get("PUBLICATIONS_REGISTER_PATH", "")

# --- Notifications --------------------------------------------------------------------------------
NOTIFICATION_BATCH_SIZE = int(os.environ.get("NOTIFICATION_BATCH_SIZE", "5000"))

# --- Forums and live sessions -------------------------------------------------------------------
FORUM_FLAGS_TO_HIDE = int(os.environ.get("FORUM_FLAGS_TO_HIDE", "3"))  # distinct flags hide an item
FORUM_NEW_ACCOUNT_DAYS = int(os.environ.get("FORUM_NEW_ACCOUNT_DAYS", "3"))  # no links or photos before
FORUM_NEW_ACCOUNT_POSTS = int(os.environ.get("FORUM_NEW_ACCOUNT_POSTS", "3"))  # ... or this many posts
SESSIONS_CHAT_RATE_LIMIT = int(os.environ.get("SESSIONS_CHAT_RATE_LIMIT", "5"))  # messages per window
SESSIONS_CHAT_RATE_WINDOW = int(os.environ.get("SESSIONS_CHAT_RATE_WINDOW", "10"))  # seconds
# Session events reach sockets through the per-process fan-out (hub/realtime/fanout.py, docs/realtime.md).
LIVE_COALESCE_TICK = float(os.environ.get("LIVE_COALESCE_TICK", "0.02"))  # seconds per tick
LIVE_SEND_BUFFER_BYTES = int(os.environ.get("LIVE_SEND_BUFFER_BYTES", str(256 * 1024)))  # then 4008
LIVE_RECENT_FRAMES = int(os.environ.get("LIVE_RECENT_FRAMES", "2000"))  # kept per session for resumes
SESSIONS_PRESENCE_INTERVAL = float(os.environ.get("SESSIONS_PRESENCE_INTERVAL", "2.0"))  # viewer counts
SESSIONS_TALLY_INTERVAL = float(os.environ.get("SESSIONS_TALLY_INTERVAL", "0.25"))  # poll tallies
SESSIONS_VOTE_BATCH_WAIT = float(os.environ.get("SESSIONS_VOTE_BATCH_WAIT", "0.003"))  # group commit
SESSIONS_VOTE_BATCH_MAX = int(os.environ.get("SESSIONS_VOTE_BATCH_MAX", "500"))
SESSIONS_VOTE_WAIT = float(os.environ.get("SESSIONS_VOTE_WAIT", "30"))  # a REST vote's longest wait
# Commitments: staff are reminded once of a commitment due within this many days (and once overdue).
COMMITMENTS_REMINDER_DAYS = int(os.environ.get("COMMITMENTS_REMINDER_DAYS", "7"))
# Outbox events not finished after this many seconds are re-driven by Celery beat.
OUTBOX_REDRIVE_AFTER = int(os.environ.get("OUTBOX_REDRIVE_AFTER", "120"))
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "6"))
# Web Push (VAPID). Generate a key pair with `python manage.py vapid_keys`; without it, no push.
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:contact@communesplus.bj")

# --- SMS (docs/sms.md) ---------------------------------------------------------------------------
# The operator: ``smpp://SYSTEM_ID:PASSWORD@HOST:PORT`` (SMPP 3.4; ``smpps://`` for TLS) with optional
# ``?system_type=…&source=…`` ; or an HTTP aggregator ``https://TOKEN@api.example/send``. Empty: the
# local transport, which keeps every message in the database as delivered and logs it (embedded
# mode and demos; nothing leaves the machine).
SMS_URL = os.environ.get("SMS_URL", "")
# The number (or short code) citizens text when their commune has none of its own.
SMS_SHARED_NUMBER = os.environ.get("SMS_SHARED_NUMBER", "")
# What the operator bills per segment, in CFA francs: the cost shown to staff and the budget's unit.
SMS_COST_XOF = int(os.environ.get("SMS_COST_XOF", "20"))
# Inbound by HTTP (an aggregator's callback): the shared secret it must send.
SMS_INBOUND_TOKEN = os.environ.get("SMS_INBOUND_TOKEN", "")
# Per number: inbound messages acted on per hour, and alerts sent per day (beyond: refused, logged).
SMS_INBOUND_PER_HOUR = int(os.environ.get("SMS_INBOUND_PER_HOUR", "20"))
SMS_OUTBOUND_PER_DAY = int(os.environ.get("SMS_OUTBOUND_PER_DAY", "10"))
# Attempts before a message is failed (backoff 30 s, 1, 2, 4… min, at most 30 min between tries).
SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", "6"))

# --- Evaluation: usage counting (docs/evaluation.md) ------------------------------------------
# Page views and downloads are counted in each web process's memory and handed to the shared Redis
# hash at most this often (seconds), off the request path; a batch writes them every minute.
USAGE_PUSH_SECONDS = float(os.environ.get("USAGE_PUSH_SECONDS", "10"))
# USAGE_COUNTING=0 counts nothing (the middleware steps aside; bench/usage_counting.py compares both).
USAGE_COUNTING = env_bool("USAGE_COUNTING", True)
# Groups (gender, age, arrondissement, disability) smaller than this are never shown.
EVALUATION_MIN_CELL = int(os.environ.get("EVALUATION_MIN_CELL", "10"))

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Communes+ <ne-pas-repondre@communesplus.bj>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hub.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads are public unless a view says otherwise; a write needs an account unless the view is
    # one of the few that say AllowAny (sign-up, sign-in, password reset). The schema's security
    # follows from these classes (hub/api/schema.py).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # One counter per request, per address or per account (hub/api/throttles.py).
    "DEFAULT_THROTTLE_CLASSES": ["hub.api.throttles.RequestRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "300/min"),
        "user": os.environ.get("THROTTLE_USER", "1200/min"),
        "auth": os.environ.get("THROTTLE_AUTH", "30/min"),
        "export": os.environ.get("THROTTLE_EXPORT", "20/hour"),
    },
    "DEFAULT_PAGINATION_CLASS": "hub.api.validation.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "hub.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "hub.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["hub.api.parsers.JSONParser"],
    # 0: X-Forwarded-For is ignored (clients could forge it to dodge throttles); 1: one proxy in front.
    "NUM_PROXIES": 1 if env_bool("TRUST_PROXY_HEADERS") else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Communes+ API",
    "DESCRIPTION": (
        "Public API of Communes+: communes, accounts, publications, forums, live sessions, commitments, "
        "notifications. What the schema guarantees and how to generate a client: docs/api.md."
    ),
    "VERSION": "1.0.0",
    # Operation ids and tags without the version prefix (`documents_list`, tag `documents`).
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps name a choice field "status" or "kind"; give each enum its own readable name.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "consultations.models.OrganisationKind",
        "ContractStatusEnum": "publications.models.contracts.ContractStatus",
        "RoleEnum": "hub.models.roles.Role",
        "SessionKindEnum": "sessions_live.models.SessionKind",
        "SessionStatusEnum": "sessions_live.models.SessionStatus",
        "ParticipationChannelEnum": "sessions_live.models.ParticipationChannel",
        "ChannelEnum": "notifications.models.Channel",
        "PollStatusEnum": "sessions_live.models.PollStatus",
        "QuestionStatusEnum": "sessions_live.models.QuestionStatus",
        "CommitmentStatusEnum": "commitments.models.CommitmentStatus",
        "SanctionKindEnum": "sessions_live.models.SanctionKind",
        "ThreadKindEnum": "forums.models.ThreadKind",
        "ThreadStatusEnum": "forums.models.ThreadStatus",
        "ProposalStatusEnum": "forums.models.ProposalStatus",
        "NotificationStatusEnum": "notifications.models.Status",
        "CouncilRoleEnum": "council.models.CouncilRole",
        "PresenceEnum": "council.models.Presence",
        "MotionStatusEnum": "council.models.MotionStatus",
        "VoteChoiceEnum": "council.models.VoteChoice",
        "QuorumRuleEnum": "council.models.QuorumRule",
        "MajorityRuleEnum": "council.models.MajorityRule",
        "TieRuleEnum": "council.models.TieRule",
        "ConsultationPhaseEnum": "consultations.models.Phase",
        "ConsultationPhaseMoveEnum": "consultations.api.serializers_consultations.PHASE_MOVE_CHOICES",
        "QuestionKindEnum": "consultations.models.QuestionKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint (the yearly report's PDF) logs each step of each render at INFO.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "frontend.views.csrf_failure"
