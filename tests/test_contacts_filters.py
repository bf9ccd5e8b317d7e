"""The contact filter (contacts/filters.py) against the platform's own: every operator and
nested unions, run on the mirror and sent to the sandbox's `contacts` method, must select the
same contacts; what the platform refuses, the desk refuses with a message naming the condition.

The data set is made on the sandbox through the API and synced into the desk with the backfill
(tests/support/contacts.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from contacts.filters import OPERATORS, FilterInvalid, filter_q
from contacts.models import Contact
from contacts.selectors import contacts_matching

# The desk pointed at the sandbox, and the data set (desk_platform, people).
pytest_plugins = ["tests.support.contacts"]

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"union": "and", "conditions": [{"field": field, "op": op, "value": value}]}


def platform_ids(sandbox_api, flt: Any) -> set[str]:
    return {row["id"] for row in sandbox_api.ok("contacts", {"filter": flt})["data"]}


def desk_ids(flt: Any) -> set[str]:
    return set(contacts_matching(spec=flt).values_list("platform_id", flat=True))


CONDITIONS = [
    # strings (variables), Cyrillic folded by contains
    ("City", "eq", "Tver"),
    ("City", "neq", "Tver"),
    ("City", "contains", "t"),
    ("City", "contains", "МОСК"),
    ("City", "ncontains", "t"),
    ("City", "exists", None),
    ("City", "nexists", None),
    ("Tier", "eq", "Gold"),
    ("Tier", "contains", "L"),
    ("First Name", "contains", "a"),
    # numbers
    ("Orders", "lt", 15),
    ("Orders", "gt", 15),
    ("Orders", "lte", "15"),
    ("Orders", "gte", 15),
    ("Orders", "eq", 25),
    ("Orders", "eq", "15.5"),
    ("Orders", "neq", 15),
    ("Orders", "exists", None),
    ("Orders", "nexists", None),
    # dates
    ("Last visit", "before", "2024-04-01"),
    ("Last visit", "after", "2024-04-01T00:00:00.000Z"),
    ("Last visit", "after", "2024-06-01T12:00:00.000Z"),
    ("Last visit", "eq", "2024-03-01"),
    ("Last visit", "neq", "2024-03-01T00:00:00Z"),
    ("Birthday", "before", "2000-01-01"),
    ("Birthday", "after", "2000-01-01"),
    ("createdAt", "after", "2000-01-01"),
    ("createdAt", "before", "2000-01-01"),
    ("updatedAt", "exists", None),
    # the channels array
    ("channels", "has", "sms"),
    ("channels", "has", "vk"),
    ("channels", "has", "webchat"),
    ("channels", "nhas", "telegram"),
    ("channels", "has", ["telegram", "sms"]),
    ("channels", "nhas", ["instagram", "vk"]),
    ("channels", "has", "carrier-pigeon"),
    ("channels", "eq", "telegram"),
    ("channels", "eq", ["webchat"]),
    ("channels", "neq", "vk"),
    ("channels", "exists", None),
    ("channels", "nexists", None),
    # identifiers
    ("phone", "eq", "+7 900 000-00-02"),
    ("phone", "eq", 79000000003),
    ("phone", "neq", "79000000003"),
    ("phone", "contains", "0000"),
    ("phone", "ncontains", "0000"),
    ("phone", "exists", None),
    ("phone", "nexists", None),
    ("vkId", "eq", 123456),
    ("vkId", "eq", "888002"),
    ("telegramId", "exists", None),
    ("instagramId", "contains", "YAKOV"),
    # paths into source profiles
    ("vk.city.title", "eq", "Saint Petersburg"),
    ("vk.city.title", "contains", "saint"),
    ("vk.city.id", "eq", 2),
    ("vk.first_name", "exists", None),
    ("vk.first_name", "nexists", None),
    ("telegram.username", "eq", "maria_iv"),
]


def test_the_conditions_cover_every_operator():
    assert {op for _, op, _ in CONDITIONS} == set(OPERATORS)


@pytest.mark.parametrize(("field", "op", "value"), CONDITIONS)
def test_each_operator_selects_what_the_platform_selects(sandbox_api, people, field, op, value):
    flt = cond(field, op, value)
    expected = platform_ids(sandbox_api, flt)
    assert desk_ids(flt) == expected
    # Where a condition does not select everyone or no one, it actually tested something.
    assert Contact.objects.count() == 9


def test_variables_by_platform_id_and_contacts_by_id(sandbox_api, people):
    orders = next(v for v in sandbox_api.ok("variables/list")["data"] if v["name"] == "Orders")
    flt = cond(orders["id"], "gt", 10)
    assert (
        desk_ids(flt)
        == platform_ids(sandbox_api, flt)
        == {
            people["+79000000002"],
            people["+79000000003"],
            people["+79000000005"],
        }
    )
    by_id = cond("id", "eq", people["+79000000004"])
    assert desk_ids(by_id) == platform_ids(sandbox_api, by_id) == {people["+79000000004"]}


NESTED = [
    # The reference's example: (10 < Orders < 20) or (channels has vk).
    {
        "union": "or",
        "conditions": [
            {
                "union": "and",
                "conditions": [
                    {"field": "Orders", "op": "gt", "value": 10},
                    {"field": "Orders", "op": "lt", "value": 20},
                ],
            },
            {"union": None, "conditions": [{"field": "channels", "op": "has", "value": "vk"}]},
        ],
    },
    # Three levels, negations inside an or inside an and.
    {
        "union": "and",
        "conditions": [
            {"field": "phone", "op": "exists"},
            {
                "union": "or",
                "conditions": [
                    {"field": "City", "op": "ncontains", "value": "t"},
                    {
                        "union": "and",
                        "conditions": [
                            {"field": "Orders", "op": "gte", "value": 5},
                            {"field": "channels", "op": "nhas", "value": "vk"},
                        ],
                    },
                ],
            },
        ],
    },
    # Empty groups: an empty and matches everyone, an empty or no one.
    {"union": "or", "conditions": [{"union": "and", "conditions": []}]},
    {"union": "and", "conditions": [{"union": "or", "conditions": []}]},
    {"union": "or", "conditions": []},
    {"union": "and", "conditions": []},
    {},
    None,
]


@pytest.mark.parametrize("flt", NESTED)
def test_nested_unions_select_what_the_platform_selects(sandbox_api, people, flt):
    assert desk_ids(flt) == platform_ids(sandbox_api, flt)


REFUSED = [
    (cond("City", "lt", 5), "lt does not apply to City, which is a string"),
    (cond("Orders", "contains", "1"), "contains does not apply to Orders, which is a number"),
    (cond("Last visit", "gt", "2024-01-01"), "gt does not apply to Last visit, which is a date"),
    (cond("Orders", "before", "2024-01-01"), "before does not apply to Orders"),
    (cond("createdAt", "lt", "2024-01-01"), "lt does not apply to createdAt"),
    (cond("channels", "contains", "vk"), "contains does not apply to channels, which is an array"),
    (cond("City", "has", "Tver"), "has does not apply to City"),
    (cond("phone", "gt", 5), "gt does not apply to phone, which is a phone"),
    (cond("Shoe size", "eq", 42), "Unknown field 'Shoe size'"),
    (cond("City", "resembles", "x"), "Unknown operator 'resembles'"),
    (cond("Orders", "gt", "many"), "Invalid filter value 'many' for Orders gt \"many\""),
    (cond("City", "eq", None), "Invalid filter value None for City eq null"),
    (cond("City", "contains", ""), "Invalid filter value"),
    ({"union": "xor", "conditions": []}, "unknown union 'xor'"),
    ({"union": "and", "conditions": "City"}, "conditions must be an array"),
    ({"union": "and", "conditions": [{"op": "eq", "value": 1}]}, "needs a field"),
    ([1, 2], "must be an object"),
]


@pytest.mark.parametrize(("flt", "message"), REFUSED)
def test_a_filter_the_platform_refuses_is_a_clear_error(sandbox_api, people, flt, message):
    with pytest.raises(FilterInvalid) as refused:
        filter_q(flt)
    assert message in refused.value.message
    sandbox_api.error("contacts", {"filter": flt})
