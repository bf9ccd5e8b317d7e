"""Each request in its reader's language and time zone (operators/preferences.py)."""

from __future__ import annotations

import logging
import zoneinfo

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone, translation
from django.utils.deprecation import MiddlewareMixin

from operator_desk.outage import database_unavailable
from operators.preferences import preferences_of

log = logging.getLogger(__name__)


def zone_info(name: str) -> zoneinfo.ZoneInfo:
    """The zone, or the desk's default if the stored name is no longer in the zone database
    (a tzdata update can retire one): a page in the wrong zone beats no page."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("Unknown time zone %r: using %s.", name, settings.TIME_ZONE)
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class OperatorPreferencesMiddleware(MiddlewareMixin):
    """After LocaleMiddleware and AuthenticationMiddleware. A signed-in operator's chosen
    language replaces the one LocaleMiddleware took from the cookie or the Accept-Language
    header, so the choice follows them to any browser; their zone (or the desk's) is the
    current time zone while the request is answered. Anonymous readers (the login page) keep
    Django's own behaviour, and the default zone."""

    def process_request(self, request: HttpRequest) -> None:
        timezone.deactivate()  # the desk's zone until the reader is known
        try:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                return
            preferences = preferences_of(user.pk)
        except DatabaseError as error:
            # Knowing the reader loads their session. While the database is away the request
            # goes on in the defaults, and the view meets the outage where it answers a 503
            # (operator_desk/api.py), not as a traceback from here.
            if not database_unavailable(error):
                raise
            return
        if preferences.language:
            translation.activate(preferences.language)
            request.LANGUAGE_CODE = translation.get_language()
        timezone.activate(zone_info(preferences.time_zone))

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        timezone.deactivate()  # the thread answers someone else next
        return response
