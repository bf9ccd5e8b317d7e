"""What the platform's answers to an admin's change mean, in the admin's words.

The platform refuses in its own words, behind an HTTP 500 ("Templates 1 and 3 share channel
'whatsapp-business' and cannot be combined into a group"); the admin reads first what it means
for them and what to do, then the platform's words on a line of their own (what support asks
for). A failure to reach the platform says that nothing was changed."""

from __future__ import annotations

import re

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from fromni.errors import FromniError, FromniRefusal
from operator_desk.errors import DeskError


def _known() -> tuple[tuple[re.Pattern[str], str], ...]:
    # Read at each call: the words are in the language of the request being answered.
    return (
        (
            re.compile(r"\bshares? channel", re.I),
            _(
                "These templates have a channel in common, and a group holds at most one "
                "template per channel: take the channel off one of them, or choose another group."
            ),
        ),
        (
            re.compile(r"\balready belongs to group\b", re.I),
            _("This template is already in a group: take it out of that group first."),
        ),
        (
            re.compile(r"\blisted twice\b|\bsame channel twice\b", re.I),
            _("The same template or channel is chosen twice."),
        ),
        (
            re.compile(r"\balready has channel\b", re.I),
            _("The template has this channel already."),
        ),
        (re.compile(r"\bunknown channel\b", re.I), _("The platform does not know this channel.")),
        (
            re.compile(r"\bnot found\b|\bhas no channel\b", re.I),
            _("The platform no longer has it (changed meanwhile?): reload the page."),
        ),
    )


def refusal_text(error: Exception) -> str | SafeString:
    """What to show for a failed change: the meaning, then the platform's words."""
    if isinstance(error, DeskError):
        return error.message
    if isinstance(error, FromniRefusal):
        meaning = next(
            (words for pattern, words in _known() if pattern.search(error.message)),
            _("The platform refused the change."),
        )
        return format_html(
            '{}<br><small class="detail">{} {}</small>',
            meaning,
            _("The platform said:"),
            error.message,
        )
    if isinstance(error, FromniError):
        return format_html(
            '{}<br><small class="detail">{}</small>',
            _("The platform could not be reached, so nothing was changed. Try again in a moment."),
            str(error),
        )
    return str(error)
