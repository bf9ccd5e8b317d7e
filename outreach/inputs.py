"""What the notify endpoint (outreach/api.py) takes, typed."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StrictStr

from operator_desk.inputs import Input


def _number_as_text(value: object) -> object:
    # The platform's ids are numbers; the page sends them as it got them (a number or text).
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class NotifyInput(Input):
    template_id: Annotated[StrictStr, Field(min_length=1), BeforeValidator(_number_as_text)]
    # None: every channel the template is approved on, in its order.
    channels: list[str] | None = None
    # Text for the placeholders the contact has no variable for; an empty one is no value.
    values: dict[str, str | None] = {}

    def filled_values(self) -> dict[str, str]:
        return {name: text for name, text in self.values.items() if text}
