"""The Deals section: deal attributes, deals (one or a batch), and single attribute values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import FromniValueError
from ..models import Deal, DealAttribute, Page
from . import bodies
from .answers import Answers
from .paging import Paging


class DealMethods(Answers, Paging):
    def deal_attributes_create(
        self,
        name: str,
        type: str = "STRING",
        *,
        options: Sequence[str | int | float] | None = None,
        required: bool | None = None,
        entity: str | None = None,
        api_field: str | None = None,
        active: bool | None = None,
    ) -> DealAttribute:
        """Create a deal attribute (type: STRING, NUMBER, DATE, DATETIME, BOOLEAN, SELECT,
        MULTISELECT or URL; entity: "deal" or "product")."""
        body = _attribute_body(name, type, options, required, entity, api_field, active, None)
        return self._one("deal_attributes_create", body, DealAttribute)

    def deal_attributes_list(self) -> list[DealAttribute]:
        return self._list("deal_attributes_list", {}, DealAttribute)

    def deal_attributes_update(
        self,
        attribute_id: str,
        name: str,
        type: str,
        *,
        options: Sequence[str | int | float] | None = None,
        required: bool | None = None,
        entity: str | None = None,
        api_field: str | None = None,
        active: bool | None = None,
        is_default: bool | None = None,
    ) -> DealAttribute:
        body = {
            "id": attribute_id,
            **_attribute_body(name, type, options, required, entity, api_field, active, is_default),
        }
        return self._one("deal_attributes_update", body, DealAttribute)

    def deal_attributes_delete(self, attribute_id: str) -> None:
        self._ok("deal_attributes_delete", {"id": attribute_id})

    def deals_create(
        self,
        name: str,
        attributes: Sequence[Mapping[str, Any]],
        contact_id: str,
        *,
        products: Sequence[Mapping[str, Any]] | None = None,
    ) -> Deal:
        """Create one deal; `attributes` are [{"id": attribute id, "value": ...}]."""
        body = _deal_body(name, attributes, contact_id, products)
        return self._one("deals_create", body, Deal)

    def deals_create_batch(self, deals: Iterable[Mapping[str, Any]]) -> list[Deal]:
        """Create several deals in one request (same method as deals_create, body is an array);
        a failed element comes back with `error` set."""
        body = [dict(deal) for deal in deals]
        if not body:
            raise FromniValueError("no deals to create", method="deals_create")
        return self._list("deals_create", body, Deal)

    def deals_list(
        self,
        filter: Mapping[str, Any] | None = None,
        offset: int = 0,
        limit: int = 10,
        order: Sequence[Sequence[str]] | None = None,
    ) -> Page[Deal]:
        body = bodies.compact(
            {
                "filter": filter if filter is not None else {},
                **bodies.paging(offset, limit, "deals_list"),
                "order": bodies.order(order),
            }
        )
        return self._page("deals_list", body, Deal)

    def iter_deals(self, *, page_size: int = 100, **kwargs: Any) -> Iterator[Deal]:
        """All deals matching `filter` (see deals_list), page by page."""
        return self.iterate(self.deals_list, page_size=page_size, **kwargs)

    def deals_update(
        self,
        deal_id: str,
        name: str,
        attributes: Sequence[Mapping[str, Any]],
        contact_id: str,
        *,
        products: Sequence[Mapping[str, Any]] | None = None,
    ) -> Deal:
        """Replace a deal's fields. Pass ALL its attributes: omitted ones are unlinked."""
        body = {"id": deal_id, **_deal_body(name, attributes, contact_id, products)}
        return self._one("deals_update", body, Deal)

    def deals_delete(self, deal_id: str) -> None:
        self._ok("deals_delete", {"id": deal_id})

    def deals_delete_batch(self, deal_ids: Iterable[str]) -> list[str | None]:
        """Delete several deals in one request (same method as deals_delete); returns the
        error of each id in order, None for the ones deleted."""
        ids = list(deal_ids)
        if not ids:
            raise FromniValueError("no deals to delete", method="deals_delete")
        answer = self.call("deals_delete", {"id": ids})
        return self._parse("deals_delete", lambda: _batch_errors(answer.get("data"), len(ids)))

    def deal_attribute_value(
        self,
        deal_id: str,
        attribute_id: str,
        value: str | int | float | None,
        *,
        product_id: str | None = None,
    ) -> None:
        """Set one attribute value of a deal (product_id None: a deal-level attribute)."""
        # productId and value are sent even when null: null is meaningful for both.
        body = {
            "dealId": deal_id,
            "attributeId": attribute_id,
            "productId": product_id,
            "value": value,
        }
        self._ok("deal_attribute_value", body)


def _attribute_body(
    name: str,
    type: str,
    options: Sequence[Any] | None,
    required: bool | None,
    entity: str | None,
    api_field: str | None,
    active: bool | None,
    is_default: bool | None,
) -> dict[str, Any]:
    return bodies.compact(
        {
            "name": name,
            "type": type,
            "options": list(options) if options is not None else None,
            "required": required,
            "entity": entity,
            "apiField": api_field,
            "active": active,
            "isDefault": is_default,
        }
    )


def _deal_body(
    name: str,
    attributes: Sequence[Mapping[str, Any]],
    contact_id: str,
    products: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    return bodies.compact(
        {
            "name": name,
            "attributes": [dict(a) for a in attributes],
            "products": [dict(p) for p in products] if products is not None else None,
            "contactId": contact_id,
        }
    )


def _batch_errors(data: Any, expected: int) -> list[str | None]:
    # The reference only says a failed element "contains the error field": accept objects with
    # or without `error` and plain booleans.
    if not isinstance(data, list) or len(data) != expected:
        raise ValueError(f"`data` is not a list of {expected} results")
    errors: list[str | None] = []
    for item in data:
        if item is True or (isinstance(item, Mapping) and not item.get("error")):
            errors.append(None)
        elif isinstance(item, Mapping):
            errors.append(str(item["error"]))
        else:
            errors.append("not deleted")
    return errors
