"""Contacts in the sandbox: the reference's filter (every operator, nested unions, variables by
id or name, built-in fields), paging and order, and variable values checked by validateAs."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.sandbox


@pytest.fixture
def people(sandbox_api) -> dict[str, str]:
    """Three new contacts with known variables; name -> id."""
    sandbox_api.ok("variables/create", {"name": "Orders", "validateAs": "NUMBER"})
    sandbox_api.ok("variables/create", {"name": "Last visit", "validateAs": "DATE"})
    created = sandbox_api.ok(
        "contacts/create",
        [
            {
                "phone": "+7 (900) 000-00-01",
                "variables": [
                    {"name": "First Name", "value": "Zoya"},
                    {"name": "City", "value": "Tver"},
                    {"name": "Orders", "value": 5},
                    {"name": "Last visit", "value": "2024-03-01"},
                ],
            },
            {
                "phone": 79000000002,
                "variables": [
                    {"name": "First Name", "value": "Yakov"},
                    {"name": "City", "value": "Tula"},
                    {"name": "Orders", "value": 15},
                    {"name": "Last visit", "value": "2024-06-01T12:00:00Z"},
                ],
            },
            {
                "phone": "79000000003",
                "variables": [
                    {"name": "First Name", "value": "Xenia"},
                    {"name": "Orders", "value": "25"},
                ],
            },
        ],
    )["data"]
    return {c["variables"][0]["value"]: c["id"] for c in created}


def names(sandbox_api, flt: Any, **extra: Any) -> list[str]:
    """First names of the matching contacts among the test's own (phones +7900000000x)."""
    answer = sandbox_api.ok("contacts", {"filter": flt, **extra})
    found = []
    for row in answer["data"]:
        if row.get("phone", "").startswith("+7900000000"):
            first = [v["value"] for v in row["variables"] if v["name"] == "First Name"]
            found.append(first[0])
    return sorted(found)


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"union": "and", "conditions": [{"field": field, "op": op, "value": value}]}


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("City", "eq", "Tver", ["Zoya"]),
        ("City", "neq", "Tver", ["Xenia", "Yakov"]),
        ("City", "contains", "tu", ["Yakov"]),
        ("City", "ncontains", "T", ["Xenia"]),
        ("City", "exists", None, ["Yakov", "Zoya"]),
        ("City", "nexists", None, ["Xenia"]),
        ("Orders", "lt", 15, ["Zoya"]),
        ("Orders", "gt", 15, ["Xenia"]),
        ("Orders", "lte", "15", ["Yakov", "Zoya"]),
        ("Orders", "gte", 15, ["Xenia", "Yakov"]),
        ("Orders", "eq", 25, ["Xenia"]),
        ("Last visit", "before", "2024-04-01", ["Zoya"]),
        ("Last visit", "after", "2024-04-01T00:00:00.000Z", ["Yakov"]),
        ("Last visit", "eq", "2024-03-01", ["Zoya"]),
        ("channels", "has", "sms", ["Xenia", "Yakov", "Zoya"]),
        ("channels", "has", "vk", []),
        ("channels", "nhas", "telegram", ["Xenia", "Yakov", "Zoya"]),
        ("channels", "has", ["whatsapp-business", "viber"], ["Xenia", "Yakov", "Zoya"]),
        ("phone", "eq", "+7 900 000-00-02", ["Yakov"]),
        ("phone", "eq", 79000000003, ["Xenia"]),
        ("createdAt", "after", "2000-01-01", ["Xenia", "Yakov", "Zoya"]),
        ("createdAt", "before", "2000-01-01", []),
    ],
)
def test_filter_operator(sandbox_api, people, field, op, value, expected):
    assert names(sandbox_api, cond(field, op, value)) == expected


def test_filter_by_variable_id_and_by_contact_id(sandbox_api, people):
    orders = next(v for v in sandbox_api.ok("variables/list")["data"] if v["name"] == "Orders")
    assert names(sandbox_api, cond(orders["id"], "gt", 10)) == ["Xenia", "Yakov"]
    assert names(sandbox_api, cond("id", "eq", people["Yakov"])) == ["Yakov"]


def test_nested_unions(sandbox_api, people):
    # The reference's example: (10 < Orders < 20) or (channels has sms and City is Tver).
    flt = {
        "union": "or",
        "conditions": [
            {
                "union": "and",
                "conditions": [
                    {"field": "Orders", "op": "gt", "value": 10},
                    {"field": "Orders", "op": "lt", "value": 20},
                ],
            },
            {
                "union": None,
                "conditions": [
                    {"field": "channels", "op": "has", "value": "sms"},
                    {"field": "City", "op": "eq", "value": "Tver"},
                ],
            },
        ],
    }
    assert names(sandbox_api, flt) == ["Yakov", "Zoya"]
    assert names(sandbox_api, {"union": "and", "conditions": [flt, cond("City", "exists")]}) == [
        "Yakov",
        "Zoya",
    ]


def test_builtin_channels_follow_identifiers(sandbox_api):
    seeded = sandbox_api.ok("contacts", {"filter": cond("channels", "has", "vk")})
    assert [c["vk"]["first_name"] for c in seeded["data"]] == ["Ivan"]
    webchat = sandbox_api.ok("contacts", {"filter": cond("channels", "has", "webchat")})["data"]
    assert len(webchat) == 1 and "phone" not in webchat[0]


@pytest.mark.parametrize(
    "flt",
    [
        cond("City", "resembles", "x"),
        cond("No such variable", "eq", "x"),
        cond("Orders", "gt", "many"),
        {"union": "xor", "conditions": []},
        {"union": "and", "conditions": "City"},
    ],
)
def test_bad_filter_is_a_500(sandbox_api, people, flt):
    sandbox_api.error("contacts", {"filter": flt})


def test_total_counts_all_matches_and_pages_cut(sandbox_api, people):
    everyone = sandbox_api.ok("contacts")
    assert everyone["total"] == len(everyone["data"]) == 4 + 3  # seed + ours
    page = sandbox_api.ok("contacts", {"offset": 1, "limit": 2, "filter": cond("Orders", "exists")})
    assert page["total"] == 3 and len(page["data"]) == 2


def test_order_by_variable_and_created_at(sandbox_api, people):
    ordered = names_in_order(sandbox_api, [["Orders", "DESC"]])
    assert ordered == ["Xenia", "Yakov", "Zoya"]
    assert names_in_order(sandbox_api, [["City", "ASC"], ["Orders", "ASC"]]) == [
        "Yakov",
        "Zoya",
        "Xenia",
    ]
    newest = sandbox_api.ok("contacts", {"order": [["createdAt", "DESC"]], "limit": 1})["data"][0]
    oldest = sandbox_api.ok("contacts", {"order": [["createdAt", "ASC"]], "limit": 1})["data"][0]
    assert newest["createdAt"] > oldest["createdAt"]
    sandbox_api.error("contacts", {"order": [["Orders", "SIDEWAYS"]]})


def names_in_order(sandbox_api, order: list[list[str]]) -> list[str]:
    data = sandbox_api.ok("contacts", {"order": order, "filter": cond("Orders", "exists")})["data"]
    return [next(v["value"] for v in c["variables"] if v["name"] == "First Name") for c in data]


# --- create, get, update, variables ---------------------------------------------------------


def test_create_normalises_phone_and_returns_variables(sandbox_api):
    created = sandbox_api.ok(
        "contacts/create",
        [{"phone": 79990000000, "variables": [{"name": "City", "value": "Moscow"}]}],
    )["data"][0]
    assert created["phone"] == "+79990000000"
    assert [(v["name"], v["validateAs"], v["value"]) for v in created["variables"]] == [
        ("City", "STRING", "Moscow")
    ]
    assert sandbox_api.ok("contacts/get", {"id": created["id"]})["phone"] == "+79990000000"


def test_create_with_a_known_phone_returns_the_same_contact(sandbox_api):
    first = sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]
    again = sandbox_api.ok("contacts/create", [{"phone": "79990000000"}])["data"][0]
    assert again["id"] == first["id"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("Birthday", "next tuesday"),
        ("Birthday", 12),
        ("City", {"name": "Moscow"}),
        ("City", True),
        ("Orders", "many"),
        ("Orders", [1]),
    ],
)
def test_variable_value_must_match_validate_as(sandbox_api, variable, value):
    sandbox_api.ok("variables/create", {"name": "Orders", "validateAs": "NUMBER"})
    contact = sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]["id"]
    body = {"contactId": contact, "variables": [{"name": variable, "value": value}]}
    assert variable in sandbox_api.error("contacts/variables", body)["message"]
    create = [{"phone": "+79990000009", "variables": [{"name": variable, "value": value}]}]
    sandbox_api.error("contacts/create", create)
    # A refused create changes nothing.
    assert sandbox_api.ok("contacts", {"filter": cond("phone", "eq", "+79990000009")})["total"] == 0


def test_set_variables_by_name_and_id_and_clear_with_null(sandbox_api):
    contact = sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]["id"]
    birthday = next(v for v in sandbox_api.ok("variables/list")["data"] if v["name"] == "Birthday")
    body = {
        "contactId": contact,
        "variables": [{"id": birthday["id"], "value": "1990-05-01"}, {"name": "City", "value": 42}],
    }
    sandbox_api.ok("contacts/variables", body)
    values = {
        v["name"]: v["value"] for v in sandbox_api.ok("contacts/get", {"id": contact})["variables"]
    }
    assert values == {"Birthday": "1990-05-01T00:00:00.000Z", "City": "42"}
    clear = {"contactId": contact, "variables": [{"name": "City", "value": None}]}
    sandbox_api.ok("contacts/variables", clear)
    values = [v["name"] for v in sandbox_api.ok("contacts/get", {"id": contact})["variables"]]
    assert values == ["Birthday"]
    unknown = {"contactId": contact, "variables": [{"name": "Shoe size", "value": 42}]}
    assert "Shoe size" in sandbox_api.error("contacts/variables", unknown)["message"]


def test_update_changes_only_channel_identifiers(sandbox_api):
    contact = sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]["id"]
    sandbox_api.ok(
        "contacts/update", {"contactId": contact, "telegramId": 42, "phone": "79990000001"}
    )
    got = sandbox_api.ok("contacts/get", {"id": contact})
    assert got["telegramId"] == 42 and got["phone"] == "+79990000001"
    assert (
        "createdAt"
        in sandbox_api.error("contacts/update", {"contactId": contact, "createdAt": "x"})["message"]
    )
    sandbox_api.error("contacts/update", {"contactId": contact})
    sandbox_api.error("contacts/update", {"contactId": "5f3cd834e8aadd00137359aa", "vkId": 1})


def test_update_to_another_contacts_identifier_merges_them(sandbox_api, callback_receiver):
    mine = sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]["id"]
    ivan = sandbox_api.ok("contacts", {"filter": cond("vkId", "eq", 123456)})["data"][0]
    sandbox_api.ok("contacts/update", {"contactId": mine, "vkId": 123456})
    merged = callback_receiver.wait_for_kind("contact_merged")[0]["data"]
    assert merged["preservedContact"]["id"] == mine and merged["deletedContact"]["id"] == ivan["id"]
    sandbox_api.error("contacts/get", {"id": ivan["id"]})
    # Ivan's vk profile and variables now belong to the preserved contact.
    got = sandbox_api.ok("contacts/get", {"id": mine})
    assert got["vk"]["first_name"] == "Ivan" and got["phone"] == "+79990000000"


def test_variables_create_and_delete(sandbox_api):
    created = sandbox_api.ok("variables/create", {"name": "Tier"})["id"]
    assert {"id": created, "name": "Tier", "validateAs": "STRING"} in sandbox_api.ok(
        "variables/list"
    )["data"]
    sandbox_api.error("variables/create", {"name": "Tier"})
    sandbox_api.error("variables/create", {"name": "Size", "validateAs": "BLOB"})
    sandbox_api.ok("variables/delete", {"id": created})
    sandbox_api.error("variables/delete", {"id": created})
    city = next(v for v in sandbox_api.ok("variables/list")["data"] if v["name"] == "City")
    sandbox_api.error("variables/delete", {"id": city["id"]})
