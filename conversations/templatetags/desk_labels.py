"""The words shown for the codes the desk stores (a conversation's state, a delivery status, a
variable's type): the code stays in the data and the URL, the page shows its translated label.

    {% load desk_labels %} {{ conversation.state|state_label }}
"""

from __future__ import annotations

from django import template
from django.db.models import TextChoices
from django.utils.translation import pgettext_lazy

from contacts.models import VariableType
from conversations.models import ConversationState, DeliveryState
from operators.roles import ROLE_LABELS

register = template.Library()


def _label(choices: type[TextChoices], code: str | None) -> str:
    """The choice's label; a code the desk does not know (a new platform status) as it is."""
    if not code:
        return ""
    try:
        return str(choices(code).label)
    except ValueError:
        return code


@register.filter
def state_label(code: str | None) -> str:
    return _label(ConversationState, code)


@register.filter
def delivery_label(code: str | None) -> str:
    return _label(DeliveryState, code)


@register.filter
def role_label(code: str | None) -> str:
    return str(ROLE_LABELS.get(code, code or ""))


@register.filter
def variable_type_label(code: str | None) -> str:
    return _label(VariableType, code)


# A template's moderation status in a channel, as the platform reports it (fromni.models
# TemplateChannel.status: free text there; these are the ones it sends).
TEMPLATE_STATUS_LABELS = {
    "approved": pgettext_lazy("template status", "approved"),
    "pending": pgettext_lazy("template status", "pending"),
    "moderation": pgettext_lazy("template status", "in moderation"),
    "rejected": pgettext_lazy("template status", "rejected"),
}


@register.filter
def template_status_label(code: str | None) -> str:
    return str(TEMPLATE_STATUS_LABELS.get(code, code or ""))
