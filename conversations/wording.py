"""Codes and moments as a refusal's sentence shows them to the operator: a state's translated
label (the code stays in the data), a time in the operator's language and time zone (the
middleware activates both per request)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import TextChoices
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from conversations.models import ConversationState, DeliveryState


def _label(choices: type[TextChoices], code: str) -> str:
    """The choice's label in lower case, as it reads inside a sentence; a code the desk does
    not know, as it is."""
    try:
        return str(choices(code).label).lower()
    except ValueError:
        return code


# The choices' labels name the queue's tabs ("Закрытые"); a sentence about one conversation
# needs the state as a word about it ("Статус диалога: закрыт").
STATE_WORDS = {
    ConversationState.QUEUED: pgettext_lazy("a conversation's state, in a sentence", "queued"),
    ConversationState.ASSIGNED: pgettext_lazy("a conversation's state, in a sentence", "assigned"),
    ConversationState.CLOSED: pgettext_lazy("a conversation's state, in a sentence", "closed"),
    ConversationState.EXPIRED: pgettext_lazy("a conversation's state, in a sentence", "expired"),
}


def state_word(code: str) -> str:
    return str(STATE_WORDS.get(code, code))


def delivery_word(code: str) -> str:
    return _label(DeliveryState, code)


def moment_word(moment: datetime | None) -> str:
    if moment is None:
        return _("an unknown time")
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
