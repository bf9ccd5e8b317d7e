"""The Contacts section: contacts, their channel identifiers, variables and their values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import FromniValueError
from ..models import Contact, Page, Variable
from . import bodies
from .answers import Answers
from .paging import Paging

# contacts/update can change only these identifiers (reference, "Update contact channel ID").
_UPDATABLE_CONTACT_FIELDS = ("phone", "vkId", "viberId", "fbId", "telegramId", "instagramId")


class ContactMethods(Answers, Paging):
    def contacts_list(
        self,
        filter: Mapping[str, Any] | None = None,
        offset: int = 0,
        limit: int = 10,
        order: Sequence[Sequence[str]] | None = None,
    ) -> Page[Contact]:
        """A page of contacts matching `filter` ({union, conditions: [...]}, see reference)."""
        body = bodies.compact(
            {
                "filter": filter,
                **bodies.paging(offset, limit, "contacts_list"),
                "order": bodies.order(order),
            }
        )
        return self._page("contacts_list", body, Contact)

    def iter_contacts(self, *, page_size: int = 100, **kwargs: Any) -> Iterator[Contact]:
        """All contacts matching `filter` (see contacts_list), page by page."""
        return self.iterate(self.contacts_list, page_size=page_size, **kwargs)

    def contacts_get(self, contact_id: str) -> Contact:
        return self._one("contacts_get", {"id": contact_id}, Contact)

    def contacts_create(self, contacts: Iterable[Mapping[str, Any]]) -> list[Contact]:
        """Create contacts; each item is {"phone": ..., "variables"?: [{name|id, value}]}."""
        body = [dict(contact) for contact in contacts]
        if not body:
            raise FromniValueError("no contacts to create", method="contacts_create")
        return self._list("contacts_create", body, Contact)

    def contacts_update(self, contact_id: str, field: str, value: str | int) -> None:
        """Change one channel identifier of a contact, e.g. ("telegramId", 12345)."""
        if field not in _UPDATABLE_CONTACT_FIELDS:
            raise FromniValueError(
                f"{field!r} cannot be updated; use one of {', '.join(_UPDATABLE_CONTACT_FIELDS)}",
                method="contacts_update",
            )
        self._ok("contacts_update", {"contactId": contact_id, field: value})

    def variables_list(self) -> list[Variable]:
        return self._list("variables_list", {}, Variable)

    def variables_create(self, name: str, validate_as: str | None = None) -> str:
        """Create a variable ("STRING", "NUMBER" or "DATE"); returns its id."""
        body = bodies.compact({"name": name, "validateAs": validate_as})
        return self._id("variables_create", body)

    def variables_delete(self, variable_id: str) -> None:
        self._ok("variables_delete", {"id": variable_id})

    def contacts_set_variables(
        self, contact_id: str, variables: Mapping[str, Any] | Iterable[Mapping[str, Any]]
    ) -> None:
        """Set variable values: {"City": "Moscow"} or [{"name"|"id": ..., "value": ...}]."""
        body = {"contactId": contact_id, "variables": _variables(variables)}
        self._ok("contacts_set_variables", body)


def _variables(variables: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Any]:
    # {"City": "Moscow"} is the common case; a list of {name|id, value} passes through.
    if isinstance(variables, Mapping):
        return [{"name": name, "value": value} for name, value in variables.items()]
    return [dict(v) for v in variables]
