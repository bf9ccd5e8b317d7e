"""What the admin pages' typed forms take."""

from __future__ import annotations

from operator_desk.inputs import Input
from operators.preferences import TimeZoneChoice


class DeskTimeZoneInput(Input):
    """The desk's time zone: an IANA name, or "" for DESK_TIME_ZONE."""

    time_zone: TimeZoneChoice
