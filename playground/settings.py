"""Django settings for the Kubernetes Playground, read from the environment.

Embedded mode (the default): SQLite in WAL mode in the data folder and the in-memory channel
layer, one process. `DATABASE_URL` switches the store to PostgreSQL, `REDIS_URL` the channel
layer to Redis (the scale-out mode of DESIGN.md).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from playground.store.quota import default_limits_from as default_quota_limits
from playground.web.proxies import parse_trusted

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PLAYGROUND_DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The SECRET_KEY from the environment, else one generated once and kept in the data folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG", "") in ("1", "true", "yes")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "playground",
    "playground.store",
    "playground.sim",
    "playground.images",
    "playground.apiserver",
    "playground.lessons",
    "playground.workshops",
    "playground.web",
]

MIDDLEWARE = [
    "playground.web.uploads.refuse_oversize_bodies",  # first: before anything reads the body
    "playground.web.uploads.parse_large_forms",  # before the CSRF check reads request.POST
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below; before the static files: their error pages too
    "playground.web.static_files.StaticFilesMiddleware",  # WhiteNoise: after security's headers, before sessions
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "playground.web.signin.SignInMiddleware",  # after htmx: an htmx request is sent to sign in by HX-Redirect
    "playground.web.workshop_access.ClusterAccessMiddleware",  # after sign-in: a workshop attendee reaches only theirs
    "playground.web.ratelimit.RequestRateMiddleware",  # a cluster's requests per second (its quota), counted once access is allowed
]

ROOT_URLCONF = "playground.urls"
ASGI_APPLICATION = "playground.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "playground.web.workshop_access.workshop_context",
            ]
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Parameters bound by the server, not quoted into the statement's text by the client:
        # psycopg prepares a statement after its fifth run, and PostgreSQL no longer parses and
        # plans the store's few statements, run thousands of times a second, each time
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("PLAYGROUND_SQLITE_PATH", DATA_DIR / "playground.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
                # timeout instead of failing with "database is locked" when upgrading a read.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                ),
            },
            # A thread's connection kept from one use to the next (0, Django's default, closes it
            # after each): opening one costs about 3 ms (Django's SQL functions registered, the
            # PRAGMAs above, a cold page cache), several times a live frame's queries, and each
            # socket's frame and each turn of the controller manager opened one. A request's
            # thread still closes its own as the request ends (web/apps.py).
            "CONN_MAX_AGE": None,
            "TEST": {"NAME": os.environ.get("PLAYGROUND_TEST_SQLITE_PATH", DATA_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_channel_layer(url: str) -> dict:
    """channels-redis on `url`. A socket waits for its next message in a blocking pop that
    Redis answers after 5 s at the latest; redis-py 8 reads with a 5 s timeout by default, which
    ends that wait in an error first: every socket quiet for 5 s crashed (1011), and a console
    command sent as it went was lost (django/channels_redis#422). No read timeout, as before 8."""
    return {"BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": None}]}}


if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {"default": redis_channel_layer(os.environ["REDIS_URL"])}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "playground.web.layers.SweepingInMemoryChannelLayer"}}

# A cluster nobody uses for this many real seconds sleeps: its clock stands still, nothing runs or
# writes for it until someone uses it again (store/clock.py); 0: clusters never sleep
PLAYGROUND_IDLE_AFTER = float(os.environ.get("PLAYGROUND_IDLE_AFTER", 300))
if PLAYGROUND_IDLE_AFTER < 0:
    raise ImproperlyConfigured(f"PLAYGROUND_IDLE_AFTER={PLAYGROUND_IDLE_AFTER:g}: seconds, 0 or more (0: never asleep)")

# The controller workers' leases on clusters (playground/runtime/leases.py), in seconds: a holder
# renews every retry period and gives a cluster up when it could not renew for the renew deadline;
# another worker takes it once it has not changed for the lease duration (controller-runtime's
# 15/10/2 by default; client-go asks duration > deadline > 1.2 × retry period).
PLAYGROUND_LEASE_DURATION_SECONDS = float(os.environ.get("PLAYGROUND_LEASE_DURATION_SECONDS", 15))
PLAYGROUND_LEASE_RENEW_DEADLINE_SECONDS = float(os.environ.get("PLAYGROUND_LEASE_RENEW_DEADLINE_SECONDS", 10))
PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS = float(os.environ.get("PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS", 2))
if not (PLAYGROUND_LEASE_DURATION_SECONDS > PLAYGROUND_LEASE_RENEW_DEADLINE_SECONDS
        > 1.2 * PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS > 0):
    raise ImproperlyConfigured(
        "PLAYGROUND_LEASE_DURATION_SECONDS > PLAYGROUND_LEASE_RENEW_DEADLINE_SECONDS > 1.2 × "
        "PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS > 0 must hold, as client-go's leader election asks")

# Signing in (playground/web/signin.py). "auto": a request from another machine must sign in,
# one from this machine (loopback) need not; "required": every request must (behind a reverse
# proxy on this machine every request comes from loopback). `playground --host 0.0.0.0` sets it.
PLAYGROUND_SIGN_IN = os.environ.get("PLAYGROUND_SIGN_IN", "auto")
if PLAYGROUND_SIGN_IN not in ("auto", "required"):
    raise ImproperlyConfigured(f'PLAYGROUND_SIGN_IN is "auto" or "required", not "{PLAYGROUND_SIGN_IN}"')
# Reverse proxies whose X-Forwarded-For is believed (playground/web/proxies.py): addresses or
# networks, comma-separated ("127.0.0.1", "10.0.0.0/8"). None by default: the header is ignored,
# and behind a proxy every client is the proxy (set PLAYGROUND_SIGN_IN=required there, or this).
PLAYGROUND_TRUSTED_PROXIES = parse_trusted(os.environ.get("PLAYGROUND_TRUSTED_PROXIES", "").split(","))
LOGIN_URL = "sign-in"

# A cluster's requests per second (its quota) counted in the database, so the limit holds across
# several web processes (playground/store/quota.py): on by default with PostgreSQL (scale-out),
# off with SQLite (one process: counted in its memory, no write per request). "1" or "0" to choose.
_shared_budgets = os.environ.get("PLAYGROUND_SHARED_REQUEST_BUDGETS",
                                 "1" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "0")
if _shared_budgets not in ("0", "1"):
    raise ImproperlyConfigured(f'PLAYGROUND_SHARED_REQUEST_BUDGETS is "1" or "0", not "{_shared_budgets}"')
PLAYGROUND_SHARED_REQUEST_BUDGETS = _shared_budgets == "1"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Content-Security-Policy (django-csp): the pages run only this site's own files (htmx is
# vendored, nothing comes from a CDN), no inline script, handler attribute, style or eval, so an
# object name or annotation that slipped through escaping could still run nothing. connect-src
# 'self' covers the live pages' ws:/wss: sockets to this same host (CSP Level 3; the browser
# tests check it in Chromium). One exception, on the lesson pages only: the console's terminal
# (xterm.js 6, static/vendor/xterm) renders with three <style> elements it makes at run time (its
# theme, its cells' size, its scrollbar); a per-response nonce, in style-src only when a page
# asks for it (its console.js tag), lets exactly those through, where 'unsafe-inline' would let
# any injected <style> in. Style attributes stay forbidden (a nonce never covers them): xterm
# writes those only for 24-bit colours and contrast fixes, which the console never asks for.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'self'"],  # a lesson step shows the learner's cluster's page beside it
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

X_FRAME_OPTIONS = "SAMEORIGIN"  # as frame-ancestors, for browsers that read only this header

# Static files (playground/web/static_files.py): WhiteNoise serves them, compressed and with cache
# headers, from STATIC_ROOT where `playground` collects them at start (a gzipped twin beside each).
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("PLAYGROUND_STATIC_ROOT", DATA_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # what is not collected yet is served from the source tree
WHITENOISE_MAX_AGE = 600  # seconds a browser reuses a file before it asks again (an ETag makes that a 304)
USE_TZ = True
TIME_ZONE = "UTC"

# The store
# A manifest document larger than this is refused before it is parsed.
PLAYGROUND_MAX_DOCUMENT_BYTES = int(os.environ.get("PLAYGROUND_MAX_DOCUMENT_BYTES", 1024 * 1024))
# A whole manifest stream (a file, stdin, an upload) larger than this is refused unread.
PLAYGROUND_MAX_MANIFEST_BYTES = int(os.environ.get("PLAYGROUND_MAX_MANIFEST_BYTES", 16 * 1024 * 1024))
# An uploaded image tarball (docker save / OCI layout): only its file listing is kept
PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES = int(os.environ.get("PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES", 256 * 1024 * 1024))
# Request bodies (playground/web/uploads.py): a form may carry a manifest URL-encoded, which can
# double it; a file goes to disk past FILE_UPLOAD_MAX_MEMORY_SIZE and stops at its page's limit.
# A request body to the Kubernetes API: kube-apiserver's --max-request-body-bytes, 3 MiB by default
PLAYGROUND_API_MAX_BODY_BYTES = int(os.environ.get("PLAYGROUND_API_MAX_BODY_BYTES", 3 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2 * PLAYGROUND_MAX_MANIFEST_BYTES + 64 * 1024, PLAYGROUND_API_MAX_BODY_BYTES)
FILE_UPLOAD_HANDLERS = [
    "playground.web.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The Kubernetes API's certificate authority and serving certificate (made on first start)
PLAYGROUND_TLS_DIR = Path(os.environ.get("PLAYGROUND_TLS_DIR", DATA_DIR / "tls"))
# Where the Kubernetes API listens (HTTPS); `playground --api-port` sets it for the pages' kubeconfigs
PLAYGROUND_API_PORT = int(os.environ.get("PLAYGROUND_API_PORT", 6443))
# Watches one API token may hold open at once (in one process); past it, 429 TooManyRequests
PLAYGROUND_API_MAX_WATCHES_PER_TOKEN = int(os.environ.get("PLAYGROUND_API_MAX_WATCHES_PER_TOKEN", 50))
# The browser console's own threads (web/console.py), and how many of them commands that wait (get -w,
# logs -f, rollout status) may hold at once in one server process: the others are kept for quick
# commands, and a waiting command past the bound is refused at once. Neither takes the threads
# sync_to_async shares with the pages and the Kubernetes API.
PLAYGROUND_CONSOLE_THREADS = int(os.environ.get("PLAYGROUND_CONSOLE_THREADS", 32))
PLAYGROUND_CONSOLE_WAITING = int(os.environ.get("PLAYGROUND_CONSOLE_WAITING", PLAYGROUND_CONSOLE_THREADS * 3 // 4))
if not 0 <= PLAYGROUND_CONSOLE_WAITING < PLAYGROUND_CONSOLE_THREADS:
    raise ImproperlyConfigured(
        f"PLAYGROUND_CONSOLE_WAITING ({PLAYGROUND_CONSOLE_WAITING}) must be at least 0 and less than "
        f"PLAYGROUND_CONSOLE_THREADS ({PLAYGROUND_CONSOLE_THREADS}): quick commands need a thread of their own")
# Change-log entries kept per cluster; a watch from before them is told Gone (410) and relists.
PLAYGROUND_CHANGE_LOG_RETENTION = int(os.environ.get("PLAYGROUND_CHANGE_LOG_RETENTION", 100_000))
# Allocations between two young garbage collections in a serving process (playground/runtime/heap.py);
# CPython's own is 700
PLAYGROUND_GC_THRESHOLD = int(os.environ.get("PLAYGROUND_GC_THRESHOLD", 20_000))

# Quotas (playground/store/quota.py): the limits of every cluster that sets none of its own, but the
# default one (a single user's), from PLAYGROUND_QUOTA_OBJECTS, _PODS, _REPLICAS, _NODES,
# _DOCKERFILE_BYTES, _UPLOAD_BYTES, _LOG_BYTES and _REQUESTS_PER_SECOND; unset is no limit.
PLAYGROUND_QUOTA_DEFAULTS = default_quota_limits(os.environ)

# A Dockerfile build's budget (images/dockerfile.py, playground/shell/budget.py): past any limit
# the build is refused, naming its line and the limit, and stores nothing. CPU seconds are the
# building thread's own; a build also stops when its page's client leaves or the server stops.
PLAYGROUND_BUILD_MAX_INSTRUCTIONS = int(os.environ.get("PLAYGROUND_BUILD_MAX_INSTRUCTIONS", 1_000))
PLAYGROUND_BUILD_MAX_STEPS = int(os.environ.get("PLAYGROUND_BUILD_MAX_STEPS", 100_000))  # shell commands run
PLAYGROUND_BUILD_MAX_EXPANSION = int(os.environ.get("PLAYGROUND_BUILD_MAX_EXPANSION", 4 * 1024 * 1024))  # characters
PLAYGROUND_BUILD_MAX_FILES = int(os.environ.get("PLAYGROUND_BUILD_MAX_FILES", 100_000))  # files written
PLAYGROUND_BUILD_MAX_BYTES = int(os.environ.get("PLAYGROUND_BUILD_MAX_BYTES", 8 * 1024**3))  # bytes written
PLAYGROUND_BUILD_MAX_PATH_DEPTH = int(os.environ.get("PLAYGROUND_BUILD_MAX_PATH_DEPTH", 256))
PLAYGROUND_BUILD_CPU_SECONDS = float(os.environ.get("PLAYGROUND_BUILD_CPU_SECONDS", 30))
# A container's `sh -c` program, read on each kubelet pass (sim/programs.py): the same shell, a
# smaller budget (a hostile command ends as a shell killed by its limit, exit code 137).
PLAYGROUND_PROGRAM_MAX_STEPS = int(os.environ.get("PLAYGROUND_PROGRAM_MAX_STEPS", 10_000))
PLAYGROUND_PROGRAM_MAX_EXPANSION = int(os.environ.get("PLAYGROUND_PROGRAM_MAX_EXPANSION", 1024 * 1024))
PLAYGROUND_PROGRAM_CPU_SECONDS = float(os.environ.get("PLAYGROUND_PROGRAM_CPU_SECONDS", 2))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
