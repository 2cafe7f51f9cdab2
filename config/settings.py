"""Settings, read from the environment. See README "Configuration" for every variable."""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# A development key is fine only while DEBUG is on; production must bring its own.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "core",
    "organizations",
    "campaigns",
    "hazards",
    "disclosure",
    "accountability",
    "exchange",
    "screen",
    "exports",
    "operations",
    "inbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The client address every audit log entry of the request records.
    "organizations.middleware.RequestAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Under /public/ nothing of the visitor's (cookies, Accept-Language) reaches what follows: every visitor
    # gets the same page for the same URL.
    "disclosure.public_site.PublicSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # One transaction per request, scoped to the user's (or the public URL's) tenant by row-level security.
    "organizations.middleware.TenantTransactionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Level 3: idle and absolute session limits, demo accounts off in production, expired passwords changed.
    "organizations.middleware.SignInPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "organizations.middleware.DomainErrorMiddleware",
    "organizations.middleware.RequestSizeLimitMiddleware",
    # Axes goes last so it sees the outcome of the login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "organizations.context_processors.navigation",
                "inbox.context_processors.inbox_badge",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# The ledger relies on PostgreSQL (row locks, partial indexes, RLS): there is no SQLite fallback.
DATABASES = {
    "default": {
        **database_from_url(env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hazard_ledger")),
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }
}
# A PostgreSQL hot standby of the same database (streaming replication), logged in as the application
# role: the pages that tolerate a little staleness read there (core/replica.py). Empty: no replica.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    _replica = database_from_url(DATABASE_REPLICA_URL)
    DATABASES["replica"] = {
        **_replica,
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # A standby that went away is noticed in seconds, and its reads go to the primary meanwhile.
        "OPTIONS": {"connect_timeout": 2, **_replica["OPTIONS"]},  # type: ignore[dict-item]
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# Replica reads fall back to the primary while the standby's replay is further behind than this.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
# How long the landing page's numbers are kept for everyone of the same scope (0: computed every time); a
# user's own change shows at once (core/own_writes.py).
LANDING_CACHE_SECONDS = env_int("LANDING_CACHE_SECONDS", 60, minimum=0)
# How long the to-do count on the menu (every signed-in page) is kept per user (0: counted every time). The
# user's own change shows at once, and the inbox page always counts afresh and updates it; what others do
# (a hazard handed to the user's department) reaches the menu's count within this time.
INBOX_BADGE_SECONDS = env_int("INBOX_BADGE_SECONDS", 30, minimum=0)
# How often each process asks the standby how far behind it is.
REPLICA_HEALTH_SECONDS = env_int("REPLICA_HEALTH_SECONDS", 1, minimum=0)
# The views (URL names, fnmatch patterns) whose GETs read on the replica: the public site, dashboards and
# the landing numbers, the wall chart, rankings, exports and the national view. Never a page that shows
# what its visitor has just submitted (the tip-off status page), nor anything that writes.
REPLICA_READ_VIEWS = [
    "home",
    "public-index",
    "public-feed",
    "public-publication*",
    "public-enterprise",
    "public-rankings",
    "campaign-dashboard",
    "campaign-summary",
    "campaign-wall-chart*",
    "ledger-export",
    "rankings",
    "rankings-circular",
    "rankings-export",
    "ranking-publications",
    "national-*",
    "screen*",
]
# The role the application's DATABASE_URL logs in as: owns nothing, neither superuser nor BYPASSRLS.
# `migrate` (run as the owner) creates it when it may, and grants it exactly what it needs.
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "hazard_ledger_app")
# Given to `migrate`, sets that role's password (docker-compose); empty leaves it as it is.
DATABASE_APP_PASSWORD = env_str("DATABASE_APP_PASSWORD", "")
# Signs the tenant each transaction runs as (core/rls.py): at least 32 characters, the same for
# migrate (which writes the database's copy) and every process; empty derives it from SECRET_KEY.
DATABASE_TENANT_KEY = env_str("DATABASE_TENANT_KEY", "")
if DATABASE_TENANT_KEY and len(DATABASE_TENANT_KEY) < 32:
    raise ImproperlyConfigured("DATABASE_TENANT_KEY must be at least 32 characters long.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "hl"),
    }
}

AUTH_USER_MODEL = "organizations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Finds the account through a narrow SECURITY DEFINER lookup (users are under row-level security).
    "organizations.signing_in.lookups.TenantModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Level 3 (GB/T 22239-2019, organizations/passwords.py): length, kinds of character, no reuse of the last
# PASSWORD_HISTORY passwords, a forced change after PASSWORD_MAX_AGE_DAYS (0: never).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8, minimum=8)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3, minimum=3, maximum=4)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "organizations.passwords.CharacterClassesValidator"},
    {"NAME": "organizations.passwords.PasswordHistoryValidator"},
]
# Demo accounts (seed_demo) sign in only on a development server, or where this is set (make e2e, bench).
ALLOW_DEMO_ACCOUNTS = env_bool("ALLOW_DEMO_ACCOUNTS", DEBUG)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed logins lock the *account* (not the IP): a spoofed X-Forwarded-For cannot dodge it and
# offices behind one NAT address are not locked out together.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# axes.W006 assumes IP-based lockout; locking the account itself cannot be dodged by rotating
# user agents or cookies, which is what that warning is about.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# On top of the lockout per account: sign-in attempts per client address, over all usernames and both the
# browser form and the token endpoint, in a sliding window (password spraying). A successful sign-in gives
# its place back. organizations/signing_in/throttle.py.
SIGNIN_ADDRESS_LIMIT = env_int("SIGNIN_ADDRESS_LIMIT", 20, minimum=1)
SIGNIN_ADDRESS_WINDOW_SECONDS = env_int("SIGNIN_ADDRESS_WINDOW_SECONDS", 900, minimum=1)

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # the public site never needs guardian's anonymous user

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / ".data" / "staticfiles")))
# Uploaded evidence: never under STATIC and never served by a public URL (only through scoped views).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Export jobs (exports/): files are kept this many days, then deleted by the daily beat task; a ledger export
# of at most EXPORT_DIRECT_MAX_ROWS rows is still streamed in the request; the worker writes the progress
# every EXPORT_PROGRESS_ROWS rows.
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7, minimum=1, maximum=365)
EXPORT_DIRECT_MAX_ROWS = env_int("EXPORT_DIRECT_MAX_ROWS", 5000, minimum=0)
EXPORT_PROGRESS_ROWS = env_int("EXPORT_PROGRESS_ROWS", 5000, minimum=1)
# A running export or import whose worker has shown no sign of life for JOB_STALL_MINUTES (its progress is
# written every few seconds) is taken for dead and queued again, at most JOB_MAX_ATTEMPTS times in all
# (core/stalled_jobs.py).
JOB_STALL_MINUTES = env_int("JOB_STALL_MINUTES", 10, minimum=1)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1, maximum=10)
# What an uploaded XLSX (a zip archive) may unpack to: refuses zip bombs before openpyxl inflates them.
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024)
# The largest request body: multipart uploads up to this; other bodies (JSON, forms) up to
# DATA_UPLOAD_MAX_MEMORY_SIZE. Larger ones are refused with 413 before anything reads them.
MAX_UPLOAD_REQUEST_BYTES = env_int("MAX_UPLOAD_REQUEST_BYTES", 50 * 1024 * 1024)

_MAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            # A mail server that hangs fails the delivery (to be retried) instead of holding the worker.
            "timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1),
        }
        if _MAIL_BACKEND.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hazard-ledger@localhost")

# Sessions are read from Redis and written through to PostgreSQL: every signed-in request reads its session,
# and a Redis restart only costs a database read, never a sign-out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Level 3: a browser session ends after this long without a request, and this long after sign-in whatever
# happens (organizations/signing_in/policy.py); the cookie and the stored session expire with the latter.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15, minimum=1)
SESSION_LIFETIME_HOURS = env_int("SESSION_LIFETIME_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_LIFETIME_HOURS * 3600
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production speaks HTTPS only: plain HTTP is redirected and browsers remember it (HSTS). Behind a
# TLS-terminating proxy, set BEHIND_TLS_PROXY=1 so Django trusts its X-Forwarded-Proto header (and only
# then: a client could send that header itself to a server that is reached directly).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
# "preload" only allows submitting the domain to the browsers' preload list; nothing is sent anywhere.
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
# The container healthcheck asks /healthz/ over plain HTTP on loopback; it answers no data either way.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
# How many reverse proxies in front of us append to X-Forwarded-For. 0 (the default) means the header is
# ignored and the client address is REMOTE_ADDR, so nobody can choose their own address for rate limits.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Content-Security-Policy on every response: scripts and styles only from our own origin (vendored, no
# CDN), inline only with the per-request nonce (the Swagger UI page), no 'unsafe-inline', no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Who may see what is organizations' business; the scoping mechanism in core finds it here (core.scoping).
SCOPE_RESOLVER = "organizations.scoping.scope_for"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organizations.api.authentication.TenantTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    # Every API caller is rate limited: anonymous callers per address, signed-in ones per account.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.SlidingAnonRateThrottle",
        "core.api.throttling.SlidingUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("TOKEN_THROTTLE_RATE", "20/min"),
        "anon": env_str("API_ANON_THROTTLE_RATE", "60/min"),
        "user": env_str("API_USER_THROTTLE_RATE", "1200/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hazard ledger API",
    "DESCRIPTION": "Multi-tenant ledger of major accident hazards: directory, ledger, campaigns, disclosure.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_errors",
        "core.api.schema.blank_or_formatted_strings",
    ],
    "ENUM_NAME_OVERRIDES": {
        "EnterpriseStatusEnum": "organizations.choices.EnterpriseStatus",
        "ImportStatusEnum": "organizations.choices.ImportStatus",
        "HazardLevelEnum": "hazards.choices.HazardLevel",
        "RegionLevelEnum": "organizations.choices.RegionLevel",
        "ListingLevelEnum": "hazards.choices.ListingLevel",
        "TaskStatusEnum": "campaigns.choices.TaskStatus",
        "CampaignStatusEnum": "campaigns.choices.CampaignStatus",
        "InspectionKindEnum": "hazards.choices.InspectionKind",
        "AcceptanceRoleEnum": "hazards.choices.AcceptanceRole",
        "AcceptanceMethodEnum": "hazards.choices.AcceptanceMethod",
        "SanctionKindEnum": "accountability.choices.SanctionKind",
        "OrderKindEnum": "hazards.enforcement.OrderKind",
        "ResumptionRoleEnum": "hazards.enforcement.AcceptanceRole",
        "RoleEnum": "organizations.choices.Role",
        "SpotCheckStateEnum": "accountability.choices.SpotCheckState",
        "StateEnum": "hazards.choices.HazardState",  # the ledger's, named as before spot checks had a state
        "AccidentGradeEnum": "accountability.choices.AccidentGrade",
        "ListStateEnum": "campaigns.choices.ListState",
        "AdoptionStateEnum": "campaigns.choices.AdoptionState",
        "RiskLevelEnum": "campaigns.choices.RiskLevel",
        "GroupRoleEnum": "campaigns.choices.GroupRole",
        "BatchStateEnum": "exchange.choices.BatchState",
        "InboxKindEnum": "inbox.choices.InboxKind",
        "ExportKindEnum": "exports.choices.ExportKind",
        "ExportStatusEnum": "exports.choices.ExportStatus",
        "ExportFormatEnum": "exports.choices.ExportFormat",
    },
}

# One Redis serves everything under `make run`; docker-compose gives the broker a database of its own
# (cache entries are evicted and flushed by their own rules; queued tasks must not be).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
# Deployments (or benches) that share one broker keep their tasks apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
# Static schedule: django-celery-beat pins Django below 6.1, and a schedule in code is reviewable.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Flag open hazards past their deadline and remind the enterprises of deadlines coming up.
    "sweep-overdue-hazards": {
        "task": "hazards.tasks.sweep_overdue",
        "schedule": crontab(minute=30, hour=1),
    },
    # Escalate handover receipts past their acknowledgement deadline to the committee above, once.
    "escalate-handover-receipts": {
        "task": "hazards.tasks.escalate_receipts",
        "schedule": crontab(minute=35, hour=1),
    },
    # Tamper evidence: every tenant's event hash chain is walked each night (see verify_ledger).
    "verify-ledger": {
        "task": "hazards.tasks.verify_ledger",
        "schedule": crontab(minute=45, hour=1),
    },
    # ... and every tenant's audit log chain (organizations/audit_chain.py).
    "verify-audit-log": {
        "task": "organizations.tasks.verify_audit_log",
        "schedule": crontab(minute=50, hour=1),
    },
    # The previous month through every job of config.monthly.MONTHLY_JOBS, in order, for every tenant.
    "monthly-jobs": {
        "task": "config.monthly.monthly_jobs_for_all_tenants",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    # Each province's outbox to the national system: what waits is sent, what failed is retried.
    "report-upward": {
        "task": "exchange.tasks.report_upward_all",
        "schedule": crontab(minute="*"),
    },
    # Each province pulls the national standards it has not applied yet (retried on failure).
    "pull-standards": {
        "task": "exchange.tasks.pull_standards_all",
        "schedule": crontab(minute=20, hour=3),
    },
    # The notice outbox: deliveries a lost message left behind, and failed ones whose pause has passed.
    "deliver-notices": {
        "task": "hazards.tasks.deliver_pending_notices",
        "schedule": crontab(minute="*"),
    },
    # Queue again the exports and imports whose worker died while running them (JOB_STALL_MINUTES).
    "recover-stalled-exports": {
        "task": "exports.tasks.recover_stalled_exports",
        "schedule": crontab(minute="*/5"),
    },
    "recover-stalled-imports": {
        "task": "organizations.tasks.recover_stalled_imports",
        "schedule": crontab(minute="*/5"),
    },
    # Delete the files of export jobs past EXPORT_KEEP_DAYS (the jobs stay, marked expired).
    "expire-exports": {
        "task": "exports.tasks.expire_exports",
        "schedule": crontab(minute=40, hour=3),
    },
    # Purge lockout records older than the cool-off so the attempts table stays small.
    "purge-expired-login-attempts": {
        "task": "organizations.tasks.purge_expired_login_attempts",
        "schedule": crontab(minute=15, hour=3),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Axes logs every successful login at INFO; keep only its warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# The national system's exchange endpoint that provinces deliver to (exchange/upward.py); a tenant's link
# may name another; the standards feed (exchange/standards.py) sits beside it. Under `make run` the national
# tenant lives in this deployment, on loopback.
NATIONAL_EXCHANGE_URL = env_str("NATIONAL_EXCHANGE_URL", "")
NATIONAL_EXCHANGE_TIMEOUT = env_int("NATIONAL_EXCHANGE_TIMEOUT", 30, minimum=1)

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo-pass-2023")
# The audit log keeps every entry at least this long (GB/T 22239-2019 asks for six months); only the
# database owner prunes older ones (`manage.py audit_log prune`). Less is refused at startup.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 181, minimum=181)

# The main menu (url name, label, roles), defined where every app is known.
NAVIGATION = "config.navigation.NAVIGATION"

# Panels on each role's landing page, contributed by the apps: callables taking the user and returning
# {"template": ..., "context": {...}} or None.
LANDING_PANELS = ["hazards.selectors.landing_panel"]
# Sections of an enterprise's page contributed by the apps: callables taking the user and the enterprise.
ENTERPRISE_PANELS = ["hazards.order_views.enterprise_orders_panel"]

# The demo world, built by `manage.py seed_demo` in this order (lower apps first).
DEMO_SEEDERS = [
    "organizations.demo.seed_directory",
    "campaigns.demo.seed_campaigns",
    "hazards.demo.seed_ledger",
    "hazards.demo.orders.seed_orders",
    "disclosure.demo.seed_tipoffs",
    "accountability.demo.seed_accountability",
    "accountability.demo_published.seed_published",
    "exchange.demo.seed_national",
    # After the accountability demo, whose reopened story expects no reopening before it.
    "hazards.demo.closure.seed_rechecks",
]

# Ledger rules.
HANDOVER_RECEIPT_DAYS = env_int("HANDOVER_RECEIPT_DAYS", 3)
# Re-checks after closure (回头看): the share of each region's closed major hazards drawn every month (at
# least one where any exist), and the new deadline of a hazard a re-check finds did not hold.
RECHECK_SAMPLE_PERCENT = env_int("RECHECK_SAMPLE_PERCENT", 10, minimum=1, maximum=100)
RECHECK_REOPEN_DAYS = env_int("RECHECK_REOPEN_DAYS", 30, minimum=1)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# A photo with more pixels is refused before it is decoded (a decompression bomb: a few kilobytes that
# inflate to gigabytes). 100 million covers a phone's full-resolution mode.
EVIDENCE_MAX_PIXELS = env_int("EVIDENCE_MAX_PIXELS", 100_000_000, minimum=1_000_000)
# Pages show a copy of each photo at most this many pixels on its long side; the original is kept as sent.
EVIDENCE_DISPLAY_PIXELS = env_int("EVIDENCE_DISPLAY_PIXELS", 1600, minimum=200, maximum=8000)
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 3)
# Notices (hazards/services/deliveries.py): links in e-mails and webhook messages start with SITE_URL; a
# failed delivery is tried again after NOTICE_RETRY_SECONDS, doubling up to NOTICE_RETRY_MAX_SECONDS, for
# as long as it takes; a claim older than NOTICE_CLAIM_STALE_SECONDS is a worker that died.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
NOTICE_RETRY_SECONDS = env_int("NOTICE_RETRY_SECONDS", 30, minimum=1)
NOTICE_RETRY_MAX_SECONDS = env_int("NOTICE_RETRY_MAX_SECONDS", 3600, minimum=1)
NOTICE_CLAIM_STALE_SECONDS = env_int("NOTICE_CLAIM_STALE_SECONDS", 300, minimum=30)
NOTICE_WEBHOOK_TIMEOUT = env_int("NOTICE_WEBHOOK_TIMEOUT", 5, minimum=1, maximum=60)
# A department verifies a submitted rectification within this many days to count as timely (assessment).
VERIFICATION_DAYS = env_int("VERIFICATION_DAYS", 10)
# The monthly spot check re-inspects this share (percent) of each region's submitted self-inspections, at
# least one per region that has any (accountability/spot_checks.py).
SPOT_CHECK_PERCENT = env_int("SPOT_CHECK_PERCENT", 5, minimum=1, maximum=100)

# Public tip-offs: at most TIPOFF_LIMIT per client address and tenant in each window.
TIPOFF_LIMIT = env_int("TIPOFF_LIMIT", 5)
TIPOFF_WINDOW_SECONDS = env_int("TIPOFF_WINDOW_SECONDS", 3600)
# Public disclosure pages are cached per tenant; publishing a month clears them.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 600)
# ... and each web process keeps the pages it served this long in memory (other processes see a publication
# that late at most; 0 turns it off).
PUBLIC_LOCAL_CACHE_SECONDS = env_int("PUBLIC_LOCAL_CACHE_SECONDS", 1)
# The committee's big screen (/screen/): its numbers are computed once per tenant and region this often,
# and the page asks for them again at the same interval.
SCREEN_CACHE_SECONDS = env_int("SCREEN_CACHE_SECONDS", 60, minimum=5, maximum=3600)

# Backups (`manage.py backup` / `restore`, operations/backups.py): where they go and how many are kept.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / ".data" / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)
# Where pg_dump/pg_restore of the server's major version live, when not in a place looked at by default
# (operations/postgres.py).
PG_BIN_DIR = env_str("PG_BIN_DIR", "")
