"""Each operator's language and time zone, and the desk's time zone: which values are known,
what a request runs with, and how they change (each change in the audit log).

An operator who chose no language reads the pages in their browser's (Accept-Language, or the
cookie Django's language view sets); one who chose no zone reads times in the desk's, which an
admin sets on the admin pages and which is DESK_TIME_ZONE until they do
(operators/middleware.py applies both to each request).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Subquery
from django.utils.translation import gettext
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from audit.services import audit_record
from operator_desk.db import locked
from operator_desk.errors import Invalid
from operators.models import DeskSettings, OperatorProfile

DESK_SETTINGS_ID = 1
# The regions of the IANA database's canonical names: the list an operator picks from (the
# database also has old aliases such as US/Eastern and EST5EDT; a stored one still works).
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


# --- what is known ---------------------------------------------------------------------------


def language_known(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_known(name: str) -> bool:
    return name in _zone_names()


def time_zone_choices() -> list[tuple[str, list[str]]]:
    """[(region, [zone, ...])], UTC first, for a select with a group per region."""
    by_region: dict[str, list[str]] = {region: [] for region in REGIONS}
    for name in sorted(_zone_names()):
        region = name.split("/", 1)[0]
        if region in by_region and "/" in name:
            by_region[region].append(name)
    return [("UTC", ["UTC"]), *((r, zones) for r, zones in by_region.items() if zones)]


def _language_checked(code: str) -> str:
    if code and not language_known(code):
        raise PydanticCustomError(
            "language_unknown", gettext("{code} is not a language of the desk."), {"code": code}
        )
    return code


def _time_zone_checked(name: str) -> str:
    if name and not time_zone_known(name):
        raise PydanticCustomError(
            "time_zone_unknown",
            gettext("{zone} is not a time zone the desk knows: choose one from the list."),
            {"zone": name},
        )
    return name


# Typed inputs' fields: "" (follow the browser, or the desk) or a known value; the error, in
# the reader's language, names what was sent.
LanguageChoice = Annotated[str, AfterValidator(_language_checked)]
TimeZoneChoice = Annotated[str, AfterValidator(_time_zone_checked)]


# --- what a request runs with ----------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    language: str  # "" follows the browser
    own_time_zone: str  # "" follows the desk
    desk_time_zone: str

    @property
    def time_zone(self) -> str:
        return self.own_time_zone or self.desk_time_zone


def _desk_zone_stored() -> Any:
    return DeskSettings.objects.filter(pk=DESK_SETTINGS_ID).values("time_zone")[:1]


def desk_time_zone_chosen() -> str:
    """What the admin chose: "" while the desk follows DESK_TIME_ZONE."""
    stored = DeskSettings.objects.filter(pk=DESK_SETTINGS_ID).values_list("time_zone", flat=True)
    return stored.first() or ""


def desk_time_zone() -> str:
    """The desk's zone: the admin's choice, else DESK_TIME_ZONE (settings.TIME_ZONE)."""
    return desk_time_zone_chosen() or settings.TIME_ZONE


def preferences_of(user_id: int) -> Preferences:
    """One query: the operator's choices and the desk's zone beside them."""
    row = (
        OperatorProfile.objects.filter(user_id=user_id)
        .annotate(desk_zone=Subquery(_desk_zone_stored()))
        .values("language", "time_zone", "desk_zone")
        .first()
    )
    if row is None:  # a user made outside the desk's services (createsuperuser)
        return Preferences("", "", desk_time_zone())
    return Preferences(row["language"], row["time_zone"], row["desk_zone"] or settings.TIME_ZONE)


# --- changes -----------------------------------------------------------------------------------


@transaction.atomic
def operator_preferences_set(
    *, user: User, language: str | None = None, time_zone: str | None = None
) -> dict[str, list[str]]:
    """The operator's own language and zone ("": follow the browser, the desk; None: leave
    as it is). Returns {field: [before, after]} for what changed, as the audit log has it."""
    if language is not None and language and not language_known(language):
        raise Invalid(
            gettext("%(code)s is not a language of the desk.") % {"code": language},
            field="language",
        )
    if time_zone is not None and time_zone and not time_zone_known(time_zone):
        raise Invalid(
            gettext("%(zone)s is not a time zone the desk knows.") % {"zone": time_zone},
            field="timeZone",
        )
    profile, _created = locked(OperatorProfile.objects).get_or_create(user=user)
    wanted = {"language": language, "time_zone": time_zone}
    changed = [
        f for f, value in wanted.items() if value is not None and value != getattr(profile, f)
    ]
    if not changed:
        return {}
    changes = {_AUDIT_NAMES[f]: [getattr(profile, f), wanted[f]] for f in changed}
    for field in changed:
        setattr(profile, field, wanted[field])
    profile.save(update_fields=changed)
    audit_record(actor=user, action="operator.preferences", target=f"user:{user.pk}", **changes)
    return changes


_AUDIT_NAMES = {"language": "language", "time_zone": "timeZone"}


@transaction.atomic
def desk_time_zone_set(*, actor: User, time_zone: str) -> bool:
    """The desk's zone for everyone who chose none ("": DESK_TIME_ZONE). True if it changed."""
    if time_zone and not time_zone_known(time_zone):
        raise Invalid(
            gettext("%(zone)s is not a time zone the desk knows.") % {"zone": time_zone},
            field="timeZone",
        )
    row, _created = locked(DeskSettings.objects).get_or_create(pk=DESK_SETTINGS_ID)
    if row.time_zone == time_zone:
        return False
    before, row.time_zone = row.time_zone, time_zone
    row.save(update_fields=["time_zone", "updated_at"])
    audit_record(
        actor=actor,
        action="setting.time_zone",
        target="setting:time_zone",
        timeZone=[before, time_zone],
    )
    return True
