"""Deals and deal attributes: deals/*, deals/attributes/*, deals/attribute/value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..clock import now_iso
from ..filters import compile_filter
from ..ids import object_id
from ..state import Deal, DealAttribute, PlatformState, Product
from ..values import ATTRIBUTE_ENTITIES, ATTRIBUTE_TYPES, check_attribute_value
from ..views import attribute, deal
from .base import ApiError, Call, Handler, found, list_of, listed

# --- attributes ------------------------------------------------------------------------------


def _attribute_fields(args: dict[str, Any], current: DealAttribute | None) -> dict[str, Any]:
    """Checked attribute fields; on update, fields not given keep their current value."""

    def given(name: str, default: Any) -> Any:
        return args.get(name, default)

    name, type_ = args["name"], args["type"]
    if not isinstance(name, str) or not name.strip():
        raise ApiError("Field 'name' must be a non-empty string")
    if type_ not in ATTRIBUTE_TYPES:
        raise ApiError(f"Field 'type' must be one of {', '.join(ATTRIBUTE_TYPES)}")
    options = given("options", current.options if current else None)
    if options is not None and not isinstance(options, list):
        raise ApiError("Field 'options' must be an array or null")
    if type_ in ("SELECT", "MULTISELECT") and not options:
        raise ApiError(f"Field 'options' is required for a {type_} attribute")
    entity = given("entity", current.entity if current else "deal")
    if entity not in ATTRIBUTE_ENTITIES:
        raise ApiError(f"Field 'entity' must be one of {', '.join(ATTRIBUTE_ENTITIES)}")
    return {
        "name": name,
        "type": type_,
        "options": options,
        "required": bool(given("required", current.required if current else False)),
        "entity": entity,
        "api_field": given("apiField", current.api_field if current else None),
        "active": bool(given("active", current.active if current else True)),
    }


def attributes_create(call: Call) -> dict[str, Any]:
    attr = DealAttribute(id=object_id(), **_attribute_fields(call.args, None))
    call.state.deal_attributes[attr.id] = attr
    return attribute(attr)


def attributes_list(call: Call) -> dict[str, Any]:
    return {"data": [attribute(attr) for attr in call.state.deal_attributes.values()]}


def attributes_update(call: Call) -> dict[str, Any]:
    attr = found(call.state.deal_attributes, call.args["id"], "Attribute")
    for name, value in _attribute_fields(call.args, attr).items():
        setattr(attr, name, value)
    return attribute(attr)


def attributes_delete(call: Call) -> dict[str, Any]:
    attr = found(call.state.deal_attributes, call.args["id"], "Attribute")
    if attr.is_default:
        raise ApiError(f"Default attribute '{attr.name}' cannot be deleted")
    del call.state.deal_attributes[attr.id]
    for record in call.state.deals.values():
        record.attributes.pop(attr.id, None)
        for product in record.products:
            product.attributes.pop(attr.id, None)
    return {}


# --- deals -----------------------------------------------------------------------------------


def _values(state: PlatformState, items: Any, entity: str, where: str) -> dict[str, Any]:
    """Attribute id -> checked value for `[{id, value}]`; each attribute of `entity`."""
    values: dict[str, Any] = {}
    for item in list_of(items if items is not None else [], where, allow_empty=True):
        if not isinstance(item, dict) or "id" not in item:
            raise ApiError(f"Each of {where} must be an object with 'id' and 'value'")
        attr = found(state.deal_attributes, item["id"], f"Attribute {item['id']}")
        if attr.entity != entity:
            raise ApiError(f"Attribute '{attr.name}' belongs to '{attr.entity}', not '{entity}'")
        values[attr.id] = check_attribute_value(
            attr.name, attr.type, attr.options, item.get("value")
        )
    for attr in state.deal_attributes.values():
        if attr.entity == entity and attr.required and attr.active and values.get(attr.id) is None:
            raise ApiError(f"Attribute '{attr.name}' is required")
    return values


def _products(state: PlatformState, items: Any, deal_id: str, old: list[Product]) -> list[Product]:
    """Products as given; one with an `id` updates that product of the deal."""
    existing = {product.id: product for product in old}
    products = []
    for item in list_of(items, "products", allow_empty=True):
        if not isinstance(item, dict):
            raise ApiError("Each of products must be an object")
        product_id = item.get("id")
        if product_id is not None and product_id not in existing:
            raise ApiError(f"Product {product_id} not found in the deal")
        values = _values(state, item.get("attributes"), "product", "products.attributes")
        products.append(Product(product_id or object_id(), deal_id, values))
    return products


def _deal_from(state: PlatformState, spec: Any, current: Deal | None) -> Deal:
    if not isinstance(spec, dict):
        raise ApiError("A deal must be an object")
    for name in ("name", "attributes", "contactId"):
        if spec.get(name) in (None, ""):
            raise ApiError(f"Field '{name}' is required")
    found(state.contacts, spec["contactId"], "Contact")
    deal_id = current.id if current else object_id()
    attributes = _values(state, spec["attributes"], "deal", "attributes")
    if "products" in spec:
        products = _products(state, spec["products"], deal_id, current.products if current else [])
    else:
        products = current.products if current else []
    created = current.created_at if current else now_iso()
    return Deal(deal_id, str(spec["name"]), spec["contactId"], attributes, products, created)


def deals_create(call: Call) -> dict[str, Any]:
    state, body = call.state, call.body
    if isinstance(body, list):
        # Batch: each deal succeeds or fails on its own; a failure is an `error` at its index.
        results = []
        for spec in body:
            try:
                record = _deal_from(state, spec, None)
            except ValueError as exc:
                results.append({"error": str(exc)})
                continue
            state.deals[record.id] = record
            results.append(deal(state, record))
        return {"data": results}
    record = _deal_from(state, call.args, None)
    state.deals[record.id] = record
    return deal(state, record)


def _deal_field(state: PlatformState, name: str) -> tuple[Callable[[Deal], Any], str] | None:
    attr = state.deal_attributes.get(name) or next(
        (a for a in state.deal_attributes.values() if a.name == name and a.entity == "deal"), None
    )
    if attr is not None:
        kind = {"NUMBER": "number", "DATE": "date", "DATETIME": "date", "MULTISELECT": "array"}
        return (lambda record: record.attributes.get(attr.id)), kind.get(attr.type, "string")
    builtins: dict[str, tuple[Callable[[Deal], Any], str]] = {
        "id": (lambda record: record.id, "string"),
        "name": (lambda record: record.name, "string"),
        "contactId": (lambda record: record.contact_id, "string"),
        "createdAt": (lambda record: record.created_at, "date"),
    }
    return builtins.get(name)


def deals_list(call: Call) -> dict[str, Any]:
    state = call.state
    matches = compile_filter(call.args.get("filter"), lambda name: _deal_field(state, name))
    # One reading of the reference, which documents only `filter: {}`: the filter is ignored.
    ignored = call.sb.variants.deals_filter_ignored
    rows = [record for record in state.deals.values() if ignored or matches(record)]

    def value_of(record: Deal, name: str) -> Any:
        resolved = _deal_field(state, name)
        return resolved[0](record) if resolved else None

    shown = listed(call, rows, value_of, lambda name: _deal_field(state, name) is not None)
    return {"data": [deal(state, record) for record in shown], "total": len(rows)}


def deals_update(call: Call) -> dict[str, Any]:
    current = found(call.state.deals, call.args["id"], "Deal")
    # The reference: attributes not passed again are unlinked from the deal.
    record = _deal_from(call.state, call.args, current)
    call.state.deals[record.id] = record
    return deal(call.state, record)


def _ids_to_delete(body: Any) -> tuple[list[Any], bool]:
    """(ids, batch?) from `{"id": x}`, `{"id": [x, y]}`, `[x, y]` or `[{"id": x}, ...]`."""
    if isinstance(body, dict):
        if body.get("id") in (None, "", []):
            raise ApiError("Field 'id' is required")
        ids = body["id"]
        return (ids, True) if isinstance(ids, list) else ([ids], False)
    if isinstance(body, list) and body:
        return [item.get("id") if isinstance(item, dict) else item for item in body], True
    raise ApiError("Field 'id' is required")


def deals_delete(call: Call) -> dict[str, Any]:
    ids, batch = _ids_to_delete(call.body)
    deals = call.state.deals
    if not batch:
        found(deals, ids[0], "Deal")
        del deals[ids[0]]
        return {"data": True}
    results: list[dict[str, Any]] = []
    for deal_id in ids:
        if isinstance(deal_id, str) and deal_id in deals:
            del deals[deal_id]
            results.append({"id": deal_id})
        else:
            results.append({"id": deal_id, "error": "Deal not found"})
    return {"data": results}


def deal_attribute_value(call: Call) -> dict[str, Any]:
    args, state = call.args, call.state
    record = found(state.deals, args["dealId"], "Deal")
    attr = found(state.deal_attributes, args["attributeId"], "Attribute")
    product_id = args.get("productId")
    if product_id is not None:
        product = next((p for p in record.products if p.id == product_id), None)
        if product is None:
            raise ApiError(f"Product {product_id} not found in the deal")
        values = product.attributes
    else:
        values = record.attributes
    # Only a value already linked can be changed here, not a new attribute added.
    if attr.id not in values:
        raise ApiError(f"Attribute '{attr.name}' is not set on this deal; use deals/update")
    values[attr.id] = check_attribute_value(attr.name, attr.type, attr.options, args.get("value"))
    return {}


HANDLERS: dict[str, Handler] = {
    "deal_attributes_create": attributes_create,
    "deal_attributes_list": attributes_list,
    "deal_attributes_update": attributes_update,
    "deal_attributes_delete": attributes_delete,
    "deals_create": deals_create,
    "deals_list": deals_list,
    "deals_update": deals_update,
    "deals_delete": deals_delete,
    "deal_attribute_value": deal_attribute_value,
}
