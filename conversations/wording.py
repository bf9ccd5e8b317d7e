"""Codes and moments as a refusal's sentence shows them to the operator: a state's translated
label (the code stays in the data), a time in the operator's language and time zone (the
middleware activates both per request)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import TextChoices
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from conversations.models import ConversationState, DeliveryState


def _label(choices: type[TextChoices], code: str) -> str:
    """The choice's label in lower case, as it reads inside a sentence; a code the desk does
    not know, as it is."""
    try:
        return str(choices(code).label).lower()
    except ValueError:
        return code


def state_word(code: str) -> str:
    return _label(ConversationState, code)


def delivery_word(code: str) -> str:
    return _label(DeliveryState, code)


def moment_word(moment: datetime | None) -> str:
    if moment is None:
        return _("an unknown time")
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
