"""What the contacts endpoints (contacts/api.py) take, typed. The filter object stays text
here: contacts.filters.parse_filter reads it and names what is wrong inside it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, RootModel

from contacts.models import VariableType
from contacts.selectors import DEFAULT_LIMIT, MAX_LIMIT
from operator_desk.inputs import Input


class ContactListQuery(Input):
    filter: str | None = None
    q: str | None = None
    order: str | None = None
    after: str | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT


class ProfileQuery(Input):
    # "all": the messages of every conversation, not only the recent ones'.
    conversations: Literal["recent", "all"] = "recent"


class IdentifierChanges(RootModel[dict[str, str | None]]):
    """{"telegramId": "42", "vkId": ""}: which names may change is the service's rule
    (contacts.services.UPDATABLE_IDENTIFIERS); an empty value or null removes one."""


class VariablesInput(Input):
    # The values' types are the variables' own, checked by the service one by one.
    values: dict[str, Any]


class VariableCreateInput(Input):
    name: str = ""
    validate_as: VariableType = VariableType.STRING
