"""Settings come from the environment only (STYLE.md). Every variable has a development default
except in production (DJANGO_DEBUG off), where a missing DJANGO_SECRET_KEY refuses to start."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WORKORDERS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "config.apps.WorkOrderAdminConfig",  # django.contrib.admin with the site titled 工单系统管理
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "config.apps.AxesConfig",  # django-axes, named in the admin's language
    "csp",
    "pgtrigger",  # R-AUD-1: append-only triggers declared on the models (tickets/models/append_only.py)
    "org",
    "complaints",
    "deadlines",
    "notifications",
    "tickets",
    "escalation",  # above tickets: major complaints (SPEC §4)
    "tariff_disputes",  # above tickets: tariff disputes and refunds (SPEC §5)
    "reports",  # on top: reads every app above for the reports (R-RP-1); nothing imports it
    "holiday_duty",  # above tickets: holiday duty (SPEC §6)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below) and Permissions-Policy on every response.
    "csp.middleware.CSPMiddleware",
    "config.middleware.permissions_policy",
    # Serves collected static files from gunicorn itself in production (no separate web server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tickets.middleware.htmx_login_redirect",
    # Responses to signed-in users and the API carry customers' numbers: Cache-Control private, no-store (R-SEC-2).
    "tickets.middleware.private_no_store",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page (R-SEC-3).
    "axes.middleware.AxesMiddleware",
]

# R-SEC-3 login throttling: the axes backend refuses a username+IP pair locked out after repeated failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
# Against password spraying (one address, many user names) the address alone is locked too, after more
# failures: a hall's counters may share one address (org/throttling.py gives each entry its limit).
AXES_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "30"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "org.throttling.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "org.throttling.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tickets.views.auth.lockout"
AXES_VERBOSE = False

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
                "deadlines.context_processors.admin_calendar_warning",
                "tickets.context_processors.workspace",
                "escalation.context_processors.escalation",
                "tariff_disputes.context_processors.tariff_disputes",
                "reports.context_processors.reports",
                "holiday_duty.context_processors.holiday_duty",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A newcomer's SQLite file: wait for a writer instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# One date format in every language (issue 13 §8): 2026-12-02 14:05, see config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up when it is missing (before collectstatic)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

# Paths, not URL names: test URLconfs without the workspace still resolve them (tickets/urls.py).
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# API tokens (org/tokens.py): each expires this long after it is issued.
API_TOKEN_TTL = timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS", "30")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "org.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # R-API-1: bodies the parser cannot take (nested too deep, malformed forms) are a 400, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "tickets.api.parsers.JSONParser",
        "tickets.api.parsers.FormParser",
        "tickets.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "tickets.api.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "tickets.api.schema.ContractAutoSchema",  # every operation's 4xx documented
    "EXCEPTION_HANDLER": "tickets.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Work-order API / 工单系统接口",
    "DESCRIPTION": "Back-office REST API of the telecom complaint work-order system. Rules: SPEC R-API-1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # R-SEC-1: every page and endpoint needs authentication, the schema and docs included.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderChannelEnum": "tickets.models.choices.Channel",
        "ContactChannelEnum": "tickets.models.choices.ContactChannel",
        "AttachmentKindEnum": "tickets.models.records.Attachment.Kind",
        "OrgUnitKindEnum": "org.models.OrgUnit.Kind",
        "ClockKindEnum": "deadlines.clock_models.ClockKind",
        "ApprovalKindEnum": "tickets.models.choices.ApprovalKind",
        "OrderStateEnum": "tickets.models.choices.OrderState",
        "ClockStateEnum": "deadlines.clock_models.ClockState",
        "NotificationStateEnum": "notifications.models.NotificationState",
        "NotificationChannelEnum": "notifications.models.NotificationChannel",
        "OpinionKindEnum": "escalation.models.OpinionKind",
        "DeclarationStepEnum": "escalation.models.Step",
        "RoleEnum": "escalation.models.ROLE_CHOICES",
        "OutcomeEnum": "tickets.models.choices.CallbackOutcome",  # keeps its name beside the disputes' outcome
        "DisputeStateEnum": "tariff_disputes.models.DisputeState",
        "DisputeOutcomeEnum": "tariff_disputes.models.Outcome",
        "DisputeOutcomeKindEnum": "tariff_disputes.models.OutcomeKind",
        "DisputeEvidenceKindEnum": "tariff_disputes.models.Evidence.Kind",
        "RemedyFormEnum": "tariff_disputes.models.RemedyForm",
        "RefundStateEnum": "tariff_disputes.models.RefundState",
        "DisputeSourceEnum": "tariff_disputes.models.Source",
        "DutyStateEnum": "holiday_duty.models.duty.DutyState",
        "DutyFeedbackChannelEnum": "holiday_duty.models.duty.FeedbackChannel",
        "DutyCallOutcomeEnum": "holiday_duty.models.duty.CallOutcome",
        "DutyEscalationStateEnum": "holiday_duty.models.duty.EscalationState",
        "DutyEscalationReasonEnum": "holiday_duty.models.duty.EscalationReason",
        "DutyLogKindEnum": "holiday_duty.models.duty.LogKind",
        "CoveredGroupKindEnum": "holiday_duty.models.reference.GroupKind",
        "RosterOverrideKindEnum": "holiday_duty.models.roster.OverrideKind",
        "ShiftSourceEnum": "holiday_duty.models.roster.ShiftSource",
        "ShiftSwapStateEnum": "holiday_duty.models.roster.SwapState",
        "BatchStateEnum": "tickets.models.batch.Batch.State",
        "FinalReplyMethodEnum": "tickets.models.choices.FinalReplyMethod",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis in production; with no broker configured, an embedded filesystem transport under
# var/ so that a newcomer needs no server (DEVELOPERS.md "Embedded default").
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True  # safe: every task is idempotent (STYLE.md)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One beat process (README "Production"). `expires` shorter than the interval: a sweep that waited in
# the queue past its minute is dropped, the next one does its work (both sweeps are idempotent).
CELERY_BEAT_SCHEDULE = {
    "clocks-sweep": {"task": "deadlines.tasks.clocks_sweep_task", "schedule": 60.0, "options": {"expires": 50}},
    "notifications-sweep": {
        "task": "notifications.tasks.notifications_sweep",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Finished hours of stopped clocks into the dashboard's tallies (an hour is counted 5 minutes after it ends).
    "clock-tallies-count": {
        "task": "tickets.tasks.clock_tallies_count_task",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # Major-complaint declarations waiting too long: remind, then escalate a level (escalation.services).
    "declaration-reminders": {
        "task": "escalation.tasks.declaration_reminders_task",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # R-HD-4: late holiday feedback starts the escalation ladder; due escalations climb a level (holiday_duty).
    "holiday-duty-sweep": {
        "task": "holiday_duty.tasks.holiday_duty_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # R-HD-6: the rosters written ahead from their rotations (to the warning days and a month more), daily.
    "holiday-duty-roster-extend": {
        "task": "holiday_duty.tasks.roster_extend_task",
        "schedule": 86400.0,
        "options": {"expires": 82800},
    },
    # R-HD-6 roster gaps 14 days ahead, R-HD-4 yesterday's escalation summary: once per day each (idempotent).
    "holiday-duty-roster-gaps": {
        "task": "holiday_duty.tasks.roster_gaps_warn_task",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    "holiday-duty-daily-summary": {
        "task": "holiday_duty.tasks.escalation_daily_summary_task",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # R-TD-6: refunds stuck or disagreeing with the billing gateway, raised to the CS centre once a day.
    "refunds-reconcile": {
        "task": "tariff_disputes.tasks.refunds_reconcile_task",
        "schedule": 86400.0,
        "options": {"expires": 82800},
    },
    # R-TD-6, R-REL-1: refunds whose task was lost with the broker, left unknown after the task's retries, or held
    # by a dead worker's expired claim, executed within minutes (idempotent: a claim, the gateway asked first).
    "refunds-sweep": {
        "task": "tariff_disputes.tasks.refunds_due_execute_task",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # R-RP-1: finished days into the report tallies, and counted days whose orders changed since, counted again.
    "report-tallies-refresh": {
        "task": "reports.tasks.daily_tallies_refresh_task",
        "schedule": 1800.0,
        "options": {"expires": 1500},
    },
    # R-RP-1: last month's report to each unit's recipients, once per unit and month (a claim row per unit+month).
    "monthly-reports-send": {
        "task": "reports.tasks.monthly_reports_send_task",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # R-WO-9: yesterday's breaches to each first-contact owner in one notice, at 08:00 (idempotent per owner and day).
    "breach-digest": {
        "task": "deadlines.tasks.breach_digest_task",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 3600},
    },
}

# R-TD-6: the billing gateway refunds are credited through (tariff_disputes.gateway).
BILLING_BACKEND = os.environ.get("BILLING_BACKEND", "tariff_disputes.gateway.ConsoleBillingGateway")
BILLING_GATEWAY_URL = os.environ.get("BILLING_GATEWAY_URL", "")
BILLING_GATEWAY_TOKEN = os.environ.get("BILLING_GATEWAY_TOKEN", "")
BILLING_GATEWAY_TIMEOUT = float(os.environ.get("BILLING_GATEWAY_TIMEOUT", "10"))
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.sms.ConsoleSmsGateway")  # or ….HttpSmsGateway
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "8"))
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "workorders@localhost")

# R-FL-8: attachment limits (operational settings, not business rules).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
ATTACHMENT_ALLOWED_EXTENSIONS = os.environ.get(
    "ATTACHMENT_ALLOWED_EXTENSIONS", "pdf,jpg,jpeg,png,gif,mp3,wav,amr,m4a,doc,docx,xls,xlsx,txt,zip"
).split(",")

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Behind a TLS-terminating reverse proxy (DJANGO_BEHIND_PROXY=1, and only then): trust its X-Forwarded-Proto
# for "is this HTTPS", and the last DJANGO_PROXY_COUNT entries of X-Forwarded-For for the client's address
# (login throttling). Without a proxy those headers come from the client and are ignored.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1"))
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The language cookie like the session and CSRF cookies: Secure over HTTPS, SameSite=Lax, no script reads it.
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# No inline script, no eval: scripts (htmx, static/js/) and styles from our own origin only. The admin and
# Swagger UI (/api/docs/, drf-spectacular-sidecar) run under the same policy (templates/drf_spectacular/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Powerful browser features nobody in a complaint workspace needs (config/middleware.py).
PERMISSIONS_POLICY = dict.fromkeys(
    ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb"), ()
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # A PermissionDenied is one warning line, not a traceback (config/log_filters.py).
    "filters": {"permission_denied_one_line": {"()": "config.log_filters.PermissionDeniedWithoutTraceback"}},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.request": {"handlers": [], "propagate": True, "filters": ["permission_denied_one_line"]},
    },
}
