"""What the desk's own endpoints (desk/api.py) take, typed."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from operator_desk.inputs import Input
from operators.models import Presence
from operators.preferences import LanguageChoice, TimeZoneChoice


class PresenceInput(Input):
    # Which states a page may set is the service's rule (operators.presence.SETTABLE).
    presence: str = Presence.ONLINE


class ReadInput(Input):
    message_id: Annotated[int, Field(ge=0, le=2**63 - 1)]


class QuickReplyInput(Input):
    """`{name, text}`, and `personal` for the caller's own (else the team's)."""

    name: Annotated[str, Field(max_length=1000)] = ""
    text: Annotated[str, Field(max_length=100_000)] = ""
    personal: bool = False


class LanguageInput(Input):
    """The language switcher of every page (a code of settings.LANGUAGES)."""

    language: LanguageChoice


class PreferencesInput(Input):
    """The settings page: a language ("" the browser's) and a time zone ("" the desk's)."""

    language: LanguageChoice
    time_zone: TimeZoneChoice
