"""Reading the environment into settings, with errors that name the setting.

django-environ does the parsing; this module only turns its exceptions (and values that parse
but make no sense) into one ImproperlyConfigured that says which variable is wrong and why, so a
bad deployment fails at start-up instead of at the first request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

NOT_SET = environ.Env.NOTSET
SUPPORTED_DATABASES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


class Settings:
    def __init__(self, env: environ.Env) -> None:
        self.env = env

    def get(self, name: str, cast: Callable[..., Any], default: Any = NOT_SET) -> Any:
        """Read `name` with django-environ's caster `cast` (e.g. env.bool)."""
        try:
            return cast(name, default=default)
        except ImproperlyConfigured:
            raise ImproperlyConfigured(f"Setting {name} is required but not set.") from None
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"Setting {name} is malformed: {exc}") from None

    def flag(self, name: str, default: bool) -> bool:
        """A strict boolean: a typo such as DEBUG=ture is an error, not a silent False."""
        value = self.get(name, self.env.str, "1" if default else "0").strip().lower()
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"Setting {name} is malformed: expected one of {', '.join(TRUE_WORDS + FALSE_WORDS)},"
            f" got {value!r}."
        )

    def url(self, name: str, *, schemes: tuple[str, ...], default: Any = NOT_SET) -> str | None:
        value = self.get(name, self.env.str, default)
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise ImproperlyConfigured(
                f"Setting {name} is malformed: expected a {'/'.join(schemes)} URL, got {value!r}."
            )
        return value.rstrip("/")

    def database(self, name: str, default: str) -> dict[str, Any]:
        value = self.get(name, self.env.str, default)
        try:
            config = environ.Env.db_url_config(value)
        except Exception as exc:  # django-environ raises several kinds for a bad URL
            raise ImproperlyConfigured(f"Setting {name} is malformed: {exc}") from None
        if config.get("ENGINE") not in SUPPORTED_DATABASES:
            raise ImproperlyConfigured(
                f"Setting {name} is malformed: expected a postgres:// or sqlite:/// URL,"
                f" got {value!r}."
            )
        return config
