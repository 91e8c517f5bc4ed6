"""Settings of the plain-Django reference (``bench/read_path.py``).

As little as a Django project can have and still be served like the hub: the same database through
psycopg's pool, two middlewares, no apps, no templates, no sessions, no authentication. Read from
the environment the bench gives both servers (``DATABASE_URL``, ``DB_POOL_MAX_SIZE``,
``SECRET_KEY``).
"""

from __future__ import annotations

import os

import dj_database_url

SECRET_KEY = os.environ.get("SECRET_KEY", "plainview-bench-not-secret-" + "x" * 30)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "bench.plainview.urls"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench_read"), conn_max_age=0
    )
}
DATABASES["default"]["OPTIONS"] = {
    "pool": {"min_size": 2, "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "8")), "timeout": 10}
}
USE_TZ = True
TIME_ZONE = "Africa/Porto-Novo"
LANGUAGE_CODE = "fr"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
