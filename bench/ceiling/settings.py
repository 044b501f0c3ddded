"""The project's settings (config.settings, from the environment as in production) plus the ceiling app."""

from config.settings import *  # noqa: F403 - the very same settings, two lines added

INSTALLED_APPS = [*INSTALLED_APPS, "bench.ceiling"]  # noqa: F405
ROOT_URLCONF = "bench.ceiling.urls"
