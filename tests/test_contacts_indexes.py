"""The indexes of contact variables on PostgreSQL (contacts/indexes.py): made and dropped with
the variables, on exactly the expressions the filter compares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from contacts.indexes import PREFIX, variable_indexes_ensure
from contacts.models import Contact, Variable
from contacts.selectors import contacts_matching
from contacts.values import date_key

pytestmark = [
    pytest.mark.django_db(transaction=True),  # CONCURRENTLY builds refuse a transaction
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite needs no range indexes"),
]


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'contacts_contact'")
        return {name for (name,) in cursor.fetchall() if name.startswith(PREFIX)}


def cond(field: str, op: str, value) -> dict:
    return {"union": "and", "conditions": [{"field": field, "op": op, "value": value}]}


def test_every_variable_gets_an_index_its_conditions_use():
    orders = Variable.objects.create(platform_id="o", name="Orders", validate_as="NUMBER")
    visit = Variable.objects.create(platform_id="d", name="Last visit", validate_as="DATE")
    city = Variable.objects.create(platform_id="c", name="City", validate_as="STRING")
    expected = {f"{PREFIX}{v.pk}" for v in (orders, visit, city)}
    assert set(variable_indexes_ensure()["created"]) == expected
    assert variable_indexes_ensure() == {"created": [], "dropped": []}  # idempotent
    first = datetime(2024, 1, 1, tzinfo=UTC)
    Contact.objects.bulk_create(
        Contact(
            platform_id=f"{n:024x}",
            variable_values={
                orders.key: n,
                visit.key: date_key(first + timedelta(hours=n)),
                city.key: f"city {n % 500}",
            },
        )
        for n in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact")
    # Selective conditions: the planner picks the variable's index, on the filter's expression.
    for field, op, value, variable in (
        ("Orders", "gte", 4990, orders),
        ("Orders", "eq", 3, orders),
        ("Last visit", "after", "2024-07-27T00:00:00Z", visit),
        ("Last visit", "eq", "2024-01-01T05:00:00Z", visit),
        ("City", "eq", "city 7", city),
    ):
        plan = contacts_matching(spec=cond(field, op, value)).explain()
        assert f"{PREFIX}{variable.pk}" in plan, (field, op, plan)
    gone = f"{PREFIX}{visit.pk}"
    visit.delete()
    assert variable_indexes_ensure()["dropped"] == [gone]
    assert indexes() == {f"{PREFIX}{orders.pk}", f"{PREFIX}{city.pk}"}
