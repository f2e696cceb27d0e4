"""Settings read from the environment.

With nothing set the app runs on SQLite with Celery tasks run in-process, so a newcomer sees it working with one
command. DATABASE_URL and REDIS_URL switch it to PostgreSQL and a real Celery worker, as in production and tests.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


# DJANGO_ENV=production turns on everything `manage.py check --deploy` asks for (see "Production" below); each
# piece can still be set on its own by its variable.
PRODUCTION = os.environ.get("DJANGO_ENV", "development").strip().lower() == "production"
DEBUG = env_bool("DJANGO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise RuntimeError("DJANGO_DEBUG must not be on when DJANGO_ENV=production")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION or (not DEBUG and env_bool("DJANGO_REQUIRE_SECRET_KEY")):
        raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# The address people use to reach the service, for links in emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "axes",
    "core",
    "audit",
    "outbox",
    "pcc_grants",
    "accounts",
    "funds",
    "exports",
    "applications",
    "providers",
    "needs",
    "transparency",
    "funder_returns",
    "reports",
    "demo",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After LoginRequiredMiddleware: staff without a verified second factor reach only the 2FA pages.
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into our "Too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pcc_grants.urls"
WSGI_APPLICATION = "pcc_grants.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pcc_grants.context_processors.office",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
# Every SQL statement is stopped by PostgreSQL after 30 s (DATABASE_STATEMENT_TIMEOUT_MS; 0 turns it off). The
# slowest page measured in docs/benchmarks.md needs well under a second; 30 s is far past anything legitimate and
# half gunicorn's 60 s timeout, so a runaway query ends as our error page and a freed connection rather than a
# request that holds a thread and a row lock until gunicorn kills the worker. Management commands run by hand
# (migrate, generate_scale_data, load_demo_data) may legitimately run one long statement, and someone is watching
# them, so they run without it; the web server and Celery workers keep it.
DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "30000"))
_RUNNING_A_COMMAND = Path(sys.argv[0]).name in {"manage.py", "django-admin"} and sys.argv[1:2] != [
    "runserver"
]
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and DATABASE_STATEMENT_TIMEOUT_MS > 0
    and not _RUNNING_A_COMMAND
):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
    )

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out email and address before the password is even checked.
    "accounts.backends.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "signed_in"  # pcc_grants.views.signed_in sends each role to its own home
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are private: there is no MEDIA_URL; files are served only through views that check who is asking.
PRIVATE_STORAGE_ROOT = Path(os.environ.get("PRIVATE_STORAGE_ROOT", BASE_DIR / "var" / "private"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_MANIFEST_STATIC", PRODUCTION)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
# A form sent with a stale or missing CSRF token gets a GOV.UK "session expired" page instead of Django's own.
CSRF_FAILURE_VIEW = "pcc_grants.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# Production: HTTPS only. Each setting defaults to on with DJANGO_ENV=production and off otherwise (the development
# server speaks plain HTTP), and each has its own variable to override it.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", PRODUCTION)
# Behind a proxy that ends TLS, name the header it sets, e.g. DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO.
# Only when that proxy always sets or overwrites the header: a client could otherwise claim HTTPS.
if os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["DJANGO_SECURE_PROXY_SSL_HEADER"], "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 365 * 24 * 60 * 60 if PRODUCTION else 0))
# Both on by default because check --deploy asks for them; turn off (and accept its warning) if another host under
# the same domain is not yet HTTPS-only. Preload only adds the header's flag: listing is a separate, manual step.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Applicants keep Django's two weeks; a staff session, which can move money, lasts a working day from the moment its
# second factor is checked (accounts.two_factor.mark_verified).
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", 14 * 24 * 60 * 60))
STAFF_SESSION_AGE = int(os.environ.get("DJANGO_STAFF_SESSION_AGE", 10 * 60 * 60))

# The cache holds rate-limit counters and wrong-code counts, so it must be shared by every process: Redis when
# REDIS_URL is set (as in production), otherwise this process's memory (development only). When Redis does not
# answer, core.ratelimit counts in the database instead; the short timeouts keep a dead Redis from holding requests
# (a refused connection fails at once; one that hangs gives up after half a second).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "pcc-grants"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pcc-grants"}
    }

# The client address for rate limits and sign-in throttling is REMOTE_ADDR, unless the app runs behind reverse
# proxies: then set DJANGO_TRUSTED_PROXY_COUNT to how many there are, and the address is read from that position
# (from the right) in X-Forwarded-For. Never set it higher than the real number: the rest of the header is forgeable.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
# scope -> (requests, seconds), fixed windows (core/ratelimit.py). Sign-up counts every form sent from one
# address, mistakes included, and a community centre's volunteers may share one address: 10 an hour. Submission
# counts a person's "Submit" presses across all their applications.
RATE_LIMITS = {
    "sign_up": (int(os.environ.get("RATE_LIMIT_SIGN_UPS_PER_HOUR", "10")), 60 * 60),
    "submit_application": (int(os.environ.get("RATE_LIMIT_SUBMISSIONS_PER_HOUR", "10")), 60 * 60),
}

# Health (pcc_grants/health.py). /healthz tells anyone only "ok" or "error"; /healthz/details names each check and is
# for staff who may read the audit trail, or for a monitor sending "Authorization: Bearer <HEALTHZ_TOKEN>" (unset:
# no token is accepted). A worker is late when it has not run the one-minute heartbeat task for this many seconds.
HEALTHZ_TOKEN = os.environ.get("HEALTHZ_TOKEN", "")
HEALTHZ_WORKER_LATE_AFTER = int(os.environ.get("HEALTHZ_WORKER_LATE_AFTER", "300"))

# Sign-in throttling (django-axes): 5 wrong passwords for one email address from one address lock that pair out for
# 30 minutes; a right password resets the count. Attempts are kept in the database (AccessAttempt, in the admin).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.backends.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.sign_in_locked_out"
# Failures and lockouts are still logged; the per-login lines and the start-up banner are noise.
AXES_VERBOSE = False

# Mail: the console when nothing is configured; SMTP when SMTP_HOST is set. Tests use Django's locmem outbox.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "grants@pcc.example")
if os.environ.get("SMTP_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["SMTP_HOST"],
                "port": int(os.environ.get("SMTP_PORT", "587")),
                "username": os.environ.get("SMTP_USER", ""),
                "password": os.environ.get("SMTP_PASSWORD", ""),
                "use_tls": env_bool("SMTP_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Celery: a real broker when REDIS_URL is set, otherwise tasks run in-process as they are sent.
# Work queued by a change goes through the outbox (outbox.services.send_after_commit): a row written with the change,
# handed to Celery after the commit and sent again by a sweep until the task acknowledges it. So every setting below
# may fail in the safe direction: a message that is refused, lost or run twice is sent again or finds its work done.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge a message when its task finishes, not when a worker takes it, and put it back if the worker process
# dies: a task killed half-way runs again (each is idempotent) rather than being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker takes one message at a time, so a worker that dies holds at most one unacknowledged message.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands a message taken but not acknowledged to another worker after this long. With late acknowledgement
    # that is the whole run of a task plus any retry countdown it waits out (up to 10 minutes for the emails), so it
    # must be longer than the longest task, or a second worker starts a task the first is still running. The longest
    # is an export build, stopped at an hour (exports.tasks.build_export's time limit): 2 hours. A message held by a
    # worker that was killed outright waits this long in Redis, but the outbox sweep sends it again sooner.
    "visibility_timeout": 2 * 60 * 60,
    # A web request hands its messages to Redis after its commit: if Redis cannot be reached, give up in seconds (the
    # outbox keeps the message) rather than hold the person's page.
    "socket_connect_timeout": 2,
    # A Redis that takes the connection and never answers would otherwise hang a publish for ever.
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2  # the same, for the connection Celery itself opens
# Publishing: two quick retries (a Redis restarting), then the error goes to the outbox, which sends it later.
# Celery's default waits longer, and each request would wait with it while Redis is down.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# A worker started before Redis, or one that loses it, keeps trying to connect for as long as it takes, instead of
# exiting after 100 tries: when Redis comes back the workers are already there.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Sends again what the outbox holds and the broker refused, lost or never finished (outbox.services).
    "dispatch-outbox": {"task": "outbox.tasks.dispatch_pending", "schedule": 60},
    # Exports that a dead worker left half-built, or that were never handed over, are queued again (exports.services).
    "requeue-abandoned-exports": {"task": "exports.tasks.requeue_abandoned_exports", "schedule": 5 * 60},
    # Outbox rows finished more than two weeks ago are deleted, at a quiet time.
    "purge-outbox": {"task": "outbox.tasks.purge_done", "schedule": crontab(hour=3, minute=45)},
    # Reminders are claimed by unique rows before they are sent, so a beat that fires twice sends nothing twice.
    "send-monitoring-reminders": {"task": "providers.tasks.send_monitoring_reminders", "schedule": 60 * 60},
    "send-grant-report-reminders": {"task": "applications.tasks.send_report_reminders", "schedule": 60 * 60},
    # Daily at 03:15, when nobody is working; batches are locked with skip_locked, so an overlapping run does no harm.
    "anonymise-unsuccessful-applications": {
        "task": "applications.tasks.anonymise_unsuccessful_applications",
        "schedule": crontab(hour=3, minute=15),
    },
    # A worker running this notes the time: /healthz/details says when a worker last took a task (pcc_grants.health).
    "worker-heartbeat": {"task": "pcc_grants.tasks.heartbeat", "schedule": 60, "options": {"expires": 55}},
}
# Unsuccessful applications (not eligible, not funded, withdrawn, drafts of closed rounds) lose their personal data
# this many whole years after they ended: long enough for complaints, appeals and a reapplication to next year's round
# to be handled with the file to hand, short enough to meet UK GDPR's storage limitation. Awards are never touched.
ANONYMISE_UNSUCCESSFUL_AFTER_YEARS = int(os.environ.get("ANONYMISE_UNSUCCESSFUL_AFTER_YEARS", "2"))
if ANONYMISE_UNSUCCESSFUL_AFTER_YEARS < 1:
    raise RuntimeError("ANONYMISE_UNSUCCESSFUL_AFTER_YEARS must be a whole number of years, 1 or more")

# The partial unique constraints that need it are enforced on PostgreSQL, where production and the tests run.
# SQLite (the embedded default) ignores the staff list index's INCLUDE column; PostgreSQL uses it.
SILENCED_SYSTEM_CHECKS = ["models.W047", "models.W040"]

DJANGO_TABLES2_TEMPLATE = "tables/govuk_table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
