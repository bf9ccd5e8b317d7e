"""What a reply may carry: how many attachments, and of which kinds, by channel."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conversations.models import Conversation
from operator_desk.errors import Invalid

MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class AttachmentRule:
    """What a channel takes in one message: how many attachments, and of which kinds
    (the MIME type's first part, e.g. "image"; None: any kind)."""

    most: int
    kinds: tuple[str, ...] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"max": self.most, "kinds": list(self.kinds) if self.kinds is not None else None}


# The platform's rules (api-reference, Notifications): SMS and Notify take no attachments,
# Instagram and Viber business messages one image. Other channels take any file.
DEFAULT_ATTACHMENT_RULE = AttachmentRule(MAX_ATTACHMENTS)

ATTACHMENT_RULES: dict[str, AttachmentRule] = {
    "sms": AttachmentRule(0),
    "notify": AttachmentRule(0),
    "instagram": AttachmentRule(1, ("image",)),
    "viber": AttachmentRule(1, ("image",)),
}


def attachment_rule(channel: str) -> AttachmentRule:
    return ATTACHMENT_RULES.get(channel, DEFAULT_ATTACHMENT_RULE)


def attachment_kind(attachment: dict[str, str]) -> str:
    """ "image" for image/png or a bare "image"; guessed from the name when no type is given."""
    kind = attachment.get("type") or mimetypes.guess_type(attachment.get("name") or "")[0] or ""
    return kind.split("/", 1)[0].lower()


def attachments_cleaned(attachments: Sequence[Any]) -> list[dict[str, str]]:
    if len(attachments) > MAX_ATTACHMENTS:
        raise Invalid(_("At most %(most)s attachments per message.") % {"most": MAX_ATTACHMENTS})
    cleaned = []
    for item in attachments:
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise Invalid(_("Each attachment needs the url the upload returned."))
        cleaned.append(
            {"url": url, "name": str(item.get("name") or ""), "type": str(item.get("type") or "")}
        )
    return cleaned


def attachment_rule_check(conversation: Conversation, attachments: list[dict[str, str]]) -> None:
    rule = attachment_rule(conversation.channel)
    channel = conversation.channel or "this channel"
    if len(attachments) > rule.most:
        if rule.most == 0:
            raise Invalid(
                _("Messages on %(channel)s cannot carry attachments.") % {"channel": channel},
                rule=rule.as_json(),
            )
        raise Invalid(
            ngettext(
                "Messages on %(channel)s take at most %(most)s attachment.",
                "Messages on %(channel)s take at most %(most)s attachments.",
                rule.most,
            )
            % {"channel": channel, "most": rule.most},
            rule=rule.as_json(),
        )
    if rule.kinds is not None:
        wrong = [a["name"] or a["url"] for a in attachments if attachment_kind(a) not in rule.kinds]
        if wrong:
            raise Invalid(
                _("Messages on %(channel)s take only %(kinds)s attachments; not %(wrong)s.")
                % {"channel": channel, "kinds": ", ".join(rule.kinds), "wrong": ", ".join(wrong)},
                rule=rule.as_json(),
            )
