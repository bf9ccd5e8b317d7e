"""The words people read for the contact filter's codes (the filter builder, the order menu).

The codes stay what the platform's API and the URL carry (`eq`, `nexists`, `vkId`,
`-createdAt`); only what is shown is translated."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

OPERATOR_LABELS = {
    "eq": _("is"),
    "neq": _("is not"),
    "exists": _("is set"),
    "nexists": _("is not set"),
    "contains": _("contains"),
    "ncontains": _("does not contain"),
    "lt": _("less than"),
    "gt": _("greater than"),
    "lte": _("at most"),
    "gte": _("at least"),
    "before": _("before"),
    "after": _("after"),
    "has": _("includes"),
    "nhas": _("does not include"),
}

BUILTIN_FIELD_LABELS = {
    "id": _("Contact id"),
    "createdAt": _("Created"),
    "updatedAt": _("Updated"),
    "channels": _("Channels"),
    "phone": _("Phone"),
    "vkId": _("VK id"),
    "telegramId": _("Telegram id"),
    "viberId": _("Viber id"),
    "fbId": _("Facebook id"),
    "instagramId": _("Instagram id"),
}

ORDER_LABELS = {
    "-createdAt": _("Newest first"),
    "createdAt": _("Oldest first"),
    "-updatedAt": _("Recently updated first"),
    "updatedAt": _("Least recently updated first"),
    "name": _("Name, A to Z"),
    "-name": _("Name, Z to A"),
}

UNION_LABELS = {"and": _("all of"), "or": _("any of")}

# The builder's own words (static/contacts/filter-builder.js).
BUILDER_TEXT = {
    "match": pgettext_lazy("filter: Match [all of] these conditions", "Match"),
    "theseConditions": pgettext_lazy("filter: Match [all of] these conditions", "these conditions"),
    "addCondition": _("+ Condition"),
    "addGroup": _("+ Group"),
    "remove": _("Remove"),
    "removeGroup": _("Remove group"),
    "profilePath": _("A source profile path…"),
    "profilePathLabel": _("Profile path"),
    "field": _("Field"),
    "operator": _("Operator"),
    "value": _("Value"),
    "variables": _("Variables"),
    "contact": _("Contact"),
    "arrayHint": _("e.g. telegram, or sms, vk"),
}


def builder_labels() -> dict[str, Any]:
    return {
        "operators": OPERATOR_LABELS,
        "fields": BUILTIN_FIELD_LABELS,
        "unions": UNION_LABELS,
        "text": BUILDER_TEXT,
    }
