"""Templates (channels, groups with the one-group and no-shared-channel rules) and deals
(attributes, single and batch create/delete, update, attribute values) in the sandbox."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.sandbox


def template(sandbox_api, template_id: int) -> dict:
    return next(t for t in sandbox_api.ok("template2/list")["data"] if t["id"] == template_id)


def test_seed_templates_have_placeholders_and_approved_channels(sandbox_api):
    templates = sandbox_api.ok("template2/list")["data"]
    assert len(templates) >= 2
    for tpl in templates:
        assert re.search(r"#[A-Z_]+#", tpl["text"])
        assert tpl["channels"] and all(ch["status"] == "approved" for ch in tpl["channels"])
    grouped = template(sandbox_api, 1)
    assert grouped["templateGroupId"] == 1 and {t["id"] for t in grouped["group"]} == {1, 2}


def test_create_template_computes_regexp_text(sandbox_api):
    created = sandbox_api.ok("template2/create", {"text": "Order #ID# is ready.", "name": "ready"})
    assert isinstance(created["id"], int)
    assert re.match(created["regexpText"], "Order 42 is ready.").group(1) == "42"
    sandbox_api.ok("template2/update", {"id": created["id"], "text": "Order #ID# shipped"})
    assert template(sandbox_api, created["id"])["regexpText"] == "^Order (.+) shipped$"


def test_templates_list_pages_and_orders(sandbox_api):
    sandbox_api.ok("template2/create", {"text": "x"})
    ids = [t["id"] for t in sandbox_api.ok("template2/list", {"order": [["id", "DESC"]]})["data"]]
    assert ids == [4, 3, 2, 1]
    page = sandbox_api.ok("template2/list", {"offset": 1, "limit": 2, "order": [["id", "ASC"]]})
    assert [t["id"] for t in page["data"]] == [2, 3]


def test_added_channel_is_moderated_then_approved(sandbox_api):
    added = sandbox_api.ok("template2/channel/add", {"templateId": 3, "channel": {"channel": "vk"}})
    assert added["status"] == "moderate"
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        vk = [c for c in template(sandbox_api, 3)["channels"] if c["channel"] == "vk"]
        if vk[0]["status"] == "approved":
            break
        time.sleep(0.02)
    else:
        pytest.fail("the vk channel was never approved")
    sandbox_api.error("template2/channel/add", {"templateId": 3, "channel": {"channel": "vk"}})
    sandbox_api.error("template2/channel/add", {"templateId": 3, "channel": {"channel": "carrier"}})


def test_channel_delete(sandbox_api):
    sandbox_api.ok("template2/channel/delete", {"templateId": 3, "channel": "telegram"})
    assert [c["channel"] for c in template(sandbox_api, 3)["channels"]] == ["whatsapp-business"]
    sandbox_api.error("template2/channel/delete", {"templateId": 3, "channel": "telegram"})


def test_one_template_belongs_to_one_group(sandbox_api):
    vk = sandbox_api.ok("template2/create", {"text": "a", "channels": [{"channel": "vk"}]})["id"]
    group = sandbox_api.ok("template2/group/create", {"name": "VK", "templates": [vk]})["id"]
    assert (
        "already belongs"
        in sandbox_api.error("template2/group/add", {"templateId": vk, "templateGroupId": 1})[
            "message"
        ]
    )
    sandbox_api.error("template2/group/create", {"name": "Again", "templates": [vk]})
    sandbox_api.ok("template2/group/remove", {"templateId": vk})
    sandbox_api.error("template2/group/remove", {"templateId": vk})
    sandbox_api.ok("template2/group/add", {"templateId": vk, "templateGroupId": group})
    assert template(sandbox_api, vk)["groupName"] == "VK"


def test_templates_sharing_a_channel_cannot_share_a_group(sandbox_api):
    # Template 3 has whatsapp-business, like template 1 of group 1.
    sandbox_api.error("template2/group/add", {"templateId": 3, "templateGroupId": 1})
    sandbox_api.error("template2/group/create", {"name": "G", "templates": [3, 3]})
    other = sandbox_api.ok("template2/create", {"text": "b", "channels": [{"channel": "telegram"}]})
    sandbox_api.error("template2/group/create", {"name": "G", "templates": [3, other["id"]]})
    # ... nor may a grouped template gain a channel another member has.
    sandbox_api.error("template2/channel/add", {"templateId": 2, "channel": {"channel": "viber"}})


def test_delete_template(sandbox_api):
    sandbox_api.ok("template2/delete", {"templateId": 2})
    assert [t["id"] for t in template(sandbox_api, 1)["group"]] == [1]
    sandbox_api.error("template2/delete", {"templateId": 2})


# --- deals ----------------------------------------------------------------------------------


@pytest.fixture
def attrs(sandbox_api) -> dict[str, str]:
    return {a["name"]: a["id"] for a in sandbox_api.ok("deals/attributes/list")["data"]}


@pytest.fixture
def contact(sandbox_api) -> str:
    return sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]["id"]


def test_default_attributes(attrs, sandbox_api):
    rows = {a["name"]: a for a in sandbox_api.ok("deals/attributes/list")["data"]}
    assert {(n, rows[n]["type"], rows[n]["entity"]) for n in attrs} == {
        ("Status", "SELECT", "deal"),
        ("Amount", "NUMBER", "deal"),
        ("Name", "STRING", "product"),
        ("Cost", "NUMBER", "product"),
    }
    assert all(row["isDefault"] for row in rows.values())
    sandbox_api.error("deals/attributes/delete", {"id": attrs["Status"]})


def test_attribute_crud(sandbox_api):
    created = sandbox_api.ok(
        "deals/attributes/create", {"name": "Size", "type": "SELECT", "options": ["S", "M"]}
    )
    assert created["isDefault"] is False and created["entity"] == "deal" and created["active"]
    updated = sandbox_api.ok(
        "deals/attributes/update",
        {"id": created["id"], "name": "Size", "type": "SELECT", "active": False},
    )
    assert updated["options"] == ["S", "M"] and updated["active"] is False
    sandbox_api.ok("deals/attributes/delete", {"id": created["id"]})
    sandbox_api.error("deals/attributes/delete", {"id": created["id"]})
    sandbox_api.error("deals/attributes/create", {"name": "Kind", "type": "SELECT"})
    sandbox_api.error("deals/attributes/create", {"name": "Kind", "type": "COLOR"})


def test_deal_create_with_products_then_update(sandbox_api, attrs, contact):
    made = sandbox_api.ok(
        "deals/create",
        {
            "name": "Order 1",
            "contactId": contact,
            "attributes": [
                {"id": attrs["Status"], "value": "New"},
                {"id": attrs["Amount"], "value": 1500},
            ],
            "products": [
                {
                    "attributes": [
                        {"id": attrs["Name"], "value": "Kettle"},
                        {"id": attrs["Cost"], "value": "1500"},
                    ]
                }
            ],
        },
    )
    assert [(a["name"], a["value"]) for a in made["attributes"]] == [
        ("Status", "New"),
        ("Amount", 1500),
    ]
    product = made["products"][0]
    assert product["dealId"] == made["id"] and product["attributes"][1]["value"] == 1500
    # Attributes not passed again are unlinked; products keep their ids.
    updated = sandbox_api.ok(
        "deals/update",
        {
            "id": made["id"],
            "name": "Order 1b",
            "contactId": contact,
            "attributes": [{"id": attrs["Status"], "value": "Won"}],
            "products": [
                {"id": product["id"], "attributes": [{"id": attrs["Name"], "value": "Teapot"}]}
            ],
        },
    )
    assert [a["name"] for a in updated["attributes"]] == ["Status"]
    assert updated["products"][0]["id"] == product["id"]
    assert updated["createdAt"] == made["createdAt"]
    value = {
        "dealId": made["id"],
        "attributeId": attrs["Name"],
        "productId": product["id"],
        "value": "Cup",
    }
    sandbox_api.ok("deals/attribute/value", value)
    # Only linked values may change here.
    sandbox_api.error("deals/attribute/value", {**value, "attributeId": attrs["Cost"]})
    sandbox_api.error(
        "deals/attribute/value", {**value, "productId": None, "attributeId": attrs["Amount"]}
    )
    listed = sandbox_api.ok("deals/list")
    assert (
        listed["total"] == 1 and listed["data"][0]["products"][0]["attributes"][0]["value"] == "Cup"
    )


@pytest.mark.parametrize(
    "attribute",
    [
        {"name": "Status", "value": "Maybe"},  # not an option
        {"name": "Amount", "value": "lots"},  # not a number
        {"name": "Name", "value": "Kettle"},  # a product attribute on the deal
    ],
)
def test_deal_attribute_values_are_checked(sandbox_api, attrs, contact, attribute):
    body = {
        "name": "D",
        "contactId": contact,
        "attributes": [{"id": attrs[attribute["name"]], "value": attribute["value"]}],
    }
    sandbox_api.error("deals/create", body)


def test_required_attribute_must_be_given(sandbox_api, contact):
    sandbox_api.ok("deals/attributes/create", {"name": "City", "type": "STRING", "required": True})
    assert (
        "City"
        in sandbox_api.error("deals/create", {"name": "D", "contactId": contact, "attributes": []})[
            "message"
        ]
    )


def test_batch_create_and_delete_report_errors_per_item(sandbox_api, attrs, contact):
    good = {
        "name": "A",
        "contactId": contact,
        "attributes": [{"id": attrs["Status"], "value": "New"}],
    }
    created = sandbox_api.ok(
        "deals/create",
        [good, {**good, "contactId": "5f3cd834e8aadd00137359aa"}, {**good, "name": "B"}],
    )["data"]
    assert created[0]["name"] == "A" and "error" in created[1] and created[2]["name"] == "B"
    assert sandbox_api.ok("deals/list")["total"] == 2
    removed = sandbox_api.ok("deals/delete", {"id": [created[0]["id"], "nope"]})["data"]
    assert removed == [{"id": created[0]["id"]}, {"id": "nope", "error": "Deal not found"}]
    assert sandbox_api.ok("deals/delete", {"id": created[2]["id"]})["data"] is True
    assert sandbox_api.ok("deals/list")["total"] == 0
    sandbox_api.error("deals/delete", {"id": created[2]["id"]})


def test_deals_list_filters_and_orders(sandbox_api, attrs, contact):
    for name, amount in (("A", 10), ("B", 30), ("C", 20)):
        sandbox_api.ok(
            "deals/create",
            {
                "name": name,
                "contactId": contact,
                "attributes": [{"id": attrs["Amount"], "value": amount}],
            },
        )
    flt = {"union": "and", "conditions": [{"field": "Amount", "op": "gte", "value": 20}]}
    listed = sandbox_api.ok("deals/list", {"filter": flt, "order": [["Amount", "DESC"]]})
    assert [d["name"] for d in listed["data"]] == ["B", "C"] and listed["total"] == 2
    page = sandbox_api.ok("deals/list", {"order": [["name", "ASC"]], "offset": 2, "limit": 5})
    assert [d["name"] for d in page["data"]] == ["C"] and page["total"] == 3
