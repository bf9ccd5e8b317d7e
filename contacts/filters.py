"""The platform's contact filter, translated into a Django Q for the mirror.

The filter object is the API's (api-reference, "List of contacts"): nested groups
`{"union": "and"|"or"|null, "conditions": [...]}` of conditions `{"field", "op", "value"}`.
A field is a variable (by platform id or name), a built-in (`id`, `createdAt`, `updatedAt`,
`phone`, `vkId`, `telegramId`, `viberId`, `fbId`, `instagramId`, `channels`) or a dotted path
into the contact as the platform sent it (`vk.city.title`). The semantics are the sandbox's
(fromni/sandbox/filters.py), which tests compare id for id: values compare by the field's kind
(string, number, date, phone, array), and each operator applies only to the kinds of the
reference's table, anything else being an Invalid error that names the condition.

Every positive test built here is two-valued (never SQL NULL, e.g. "a value is there AND it
matches"), so that negations (neq, ncontains, nexists, nhas) are plain NOTs and match the
contacts without the value, as the platform's do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import F, Func, Q, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Collate
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Variable, VariableType
from contacts.values import as_datetime, as_number, date_key
from fromni.methods import CHANNEL_ID_FIELDS
from operator_desk.errors import Invalid

STRING, NUMBER, DATE, PHONE, ARRAY = "string", "number", "date", "phone", "array"
ALL_KINDS = (STRING, NUMBER, DATE, PHONE, ARRAY)
UNIONS = ("and", "or")

# Which kinds of field each operator applies to: the reference's table (contains on strings,
# lt..gte on numbers, before/after on dates, has/nhas on arrays, the rest on all). A phone is
# a string.
OPERATOR_KINDS: dict[str, tuple[str, ...]] = {
    "eq": ALL_KINDS,
    "neq": ALL_KINDS,
    "exists": ALL_KINDS,
    "nexists": ALL_KINDS,
    "contains": (STRING, PHONE),
    "ncontains": (STRING, PHONE),
    "lt": (NUMBER,),
    "gt": (NUMBER,),
    "lte": (NUMBER,),
    "gte": (NUMBER,),
    "before": (DATE,),
    "after": (DATE,),
    "has": (ARRAY,),
    "nhas": (ARRAY,),
}
OPERATORS = tuple(OPERATOR_KINDS)
NEGATED = {"neq": "eq", "ncontains": "contains", "nexists": "exists", "nhas": "has"}
KIND_NAMES = {
    STRING: gettext_lazy("a string"),
    NUMBER: gettext_lazy("a number"),
    DATE: gettext_lazy("a date"),
    PHONE: gettext_lazy("a phone"),
    ARRAY: gettext_lazy("an array"),
}

# Built-in fields: (model field, kind). `channels` is computed from the identifiers.
IDENTIFIER_COLUMNS = {
    "phone": "phone",
    "vkId": "vk_id",
    "telegramId": "telegram_id",
    "viberId": "viber_id",
    "fbId": "fb_id",
    "instagramId": "instagram_id",
}
BUILTIN_FIELDS = ("id", "createdAt", "updatedAt", "channels", *IDENTIFIER_COLUMNS)
NEVER = Q(pk__in=[])


class FilterInvalid(Invalid):
    """A filter the platform would refuse: the message names the condition."""


class Lower(Func):
    """lower() with Unicode case rules on both databases: SQLite's own lower() only knows
    ASCII, so contacts/apps.py registers DESK_LOWER (Python's str.lower) on its connections."""

    function = "LOWER"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        return super().as_sql(compiler, connection, function="DESK_LOWER", **extra)


class BinaryText(Collate):
    """Text compared byte by byte (canonical dates): COLLATE "C" on PostgreSQL, which is also
    faster than a locale; SQLite already compares bytes (BINARY)."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, "C")

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        return compiler.compile(self.get_source_expressions()[0])


# --- operands: the sandbox's normalisation of a condition's value, by kind ----------------------


def _normalize_phone(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return "+" + digits if 5 <= len(digits) <= 15 else None


def _operand(kind: str, value: Any, where: str) -> Any:
    """The comparable form of a condition's value; FilterInvalid when it has none."""
    normalized: Any = None
    if value is not None and value != "":
        if kind == NUMBER:
            normalized = as_number(value)
        elif kind == DATE:
            normalized = as_datetime(value)
        elif kind == PHONE:
            normalized = _normalize_phone(value) or str(value)
        elif kind == ARRAY:
            normalized = list(value) if isinstance(value, list | tuple) else [value]
        else:
            normalized = value if isinstance(value, str) else str(value)
    if normalized is None:
        raise FilterInvalid(
            _("Invalid filter value %(value)r for %(where)s.") % {"value": value, "where": where},
            condition=where,
        )
    return normalized


# --- fields ------------------------------------------------------------------------------------


class Field:
    """A filterable field: builds two-valued Q objects for the positive operators."""

    kind = STRING

    def present(self) -> Q:
        raise NotImplementedError

    def eq(self, operand: Any) -> Q:
        raise NotImplementedError

    def contains(self, needle: str) -> Q:
        return self.present() & Q(Contains(Lower(self.text()), needle))

    def text(self) -> Any:
        raise NotImplementedError

    def compare(self, op: str, operand: Any) -> Q:
        raise NotImplementedError

    def has(self, wanted: list[Any]) -> Q:
        raise NotImplementedError


_COMPARE = {
    "lt": LessThan,
    "gt": GreaterThan,
    "lte": LessThanOrEqual,
    "gte": GreaterThanOrEqual,
    "before": LessThan,
    "after": GreaterThan,
}


@dataclass
class VariableField(Field):
    variable: Variable

    @property
    def kind(self) -> str:  # type: ignore[override]
        return {VariableType.NUMBER: NUMBER, VariableType.DATE: DATE}.get(
            self.variable.validate_as, STRING
        )

    def _value(self) -> KeyTransform:
        return KeyTransform(self.variable.key, "variable_values")

    def text(self) -> Any:
        return KeyTextTransform(self.variable.key, "variable_values")

    def present(self) -> Q:
        return Q(variable_values__has_key=self.variable.key)

    def eq(self, operand: Any) -> Q:
        # The same expressions as the variable's index (contacts/indexes.py) on PostgreSQL.
        if self.kind == DATE:
            return self.present() & Q(Exact(BinaryText(self.text()), date_key(operand)))
        if self.kind == NUMBER:
            return self.present() & Q(**{f"variable_values__{self.variable.key}": operand})
        return self.present() & Q(Exact(self.text(), operand))

    def compare(self, op: str, operand: Any) -> Q:
        lookup = _COMPARE[op]
        if self.kind == DATE:
            # Canonical date texts: their byte order is time order.
            return self.present() & Q(lookup(BinaryText(self.text()), date_key(operand)))
        return self.present() & Q(**{f"variable_values__{self.variable.key}__{op}": operand})


@dataclass
class ColumnField(Field):
    """`id` and the channel identifiers: text columns, "" when absent."""

    column: str
    kind: str = STRING

    def present(self) -> Q:
        return ~Q(**{self.column: ""})

    def eq(self, operand: Any) -> Q:
        return Q(**{self.column: operand}) & self.present()

    def text(self) -> Any:
        return F(self.column)


@dataclass
class MomentField(Field):
    """createdAt / updatedAt: the platform's timestamps."""

    column: str
    kind: str = DATE

    def present(self) -> Q:
        return Q(**{f"{self.column}__isnull": False})

    def eq(self, operand: Any) -> Q:
        return self.present() & Q(**{self.column: operand})

    def compare(self, op: str, operand: Any) -> Q:
        return self.present() & Q(_COMPARE[op](F(self.column), operand))


def channel_present(designation: str) -> Q:
    """The contacts that can be reached on a channel (the platform's `channels` array)."""
    field = CHANNEL_ID_FIELDS.get(designation)
    if field is None:
        return NEVER
    if field == "id":  # every contact has an id, but only a web chat user has a webchat profile
        return Q(source_profiles__has_key=designation)
    return ~Q(**{IDENTIFIER_COLUMNS[field]: ""})


class ChannelsField(Field):
    kind = ARRAY

    def present(self) -> Q:
        return reduce(lambda a, b: a | b, (channel_present(d) for d in CHANNEL_ID_FIELDS))

    def has(self, wanted: list[Any]) -> Q:
        return self.present() & reduce(
            lambda a, b: a & b, (channel_present(str(d)) for d in wanted), Q()
        )

    def eq(self, operand: list[Any], *, exactly: bool = False) -> Q:
        if not exactly:  # one value: the array holds it
            return self.has(operand[:1])
        wanted = {str(d) for d in operand}
        if not wanted <= set(CHANNEL_ID_FIELDS):
            return NEVER
        parts = [
            channel_present(d) if d in wanted else ~channel_present(d) for d in CHANNEL_ID_FIELDS
        ]
        return self.present() & reduce(lambda a, b: a & b, parts)


@dataclass
class PathField(Field):
    """A value inside the contact as the platform sent it, e.g. `vk.city.title` (compared as
    text, as the sandbox does)."""

    path: str

    def text(self) -> Any:
        lookup = "raw__" + self.path.replace(".", "__")
        return Cast(KeyTextTransform.from_lookup(lookup), TextField())

    def present(self) -> Q:
        # The sandbox's "present": not missing, null, "", [] or {}.
        return Q(IsNull(self.text(), False)) & ~Q(In(self.text(), ["", "[]", "{}"]))

    def eq(self, operand: Any) -> Q:
        return self.present() & Q(Exact(self.text(), operand))


# --- compiling -------------------------------------------------------------------------------


@dataclass
class Catalog:
    """The variables a filter may name, by platform id and by name."""

    by_id: dict[str, Variable]
    by_name: dict[str, Variable]

    @classmethod
    def load(cls) -> Catalog:
        variables = list(Variable.objects.order_by("pk"))
        by_name: dict[str, Variable] = {}
        for variable in variables:
            by_name.setdefault(variable.name, variable)
        return cls({v.platform_id: v for v in variables}, by_name)

    def field(self, name: str) -> Field | None:
        variable = self.by_id.get(name) or self.by_name.get(name)
        if variable is not None:
            return VariableField(variable)
        if name == "id":
            return ColumnField("platform_id")
        if name == "createdAt":
            return MomentField("platform_created_at")
        if name == "updatedAt":
            return MomentField("platform_updated_at")
        if name == "channels":
            return ChannelsField()
        if name in IDENTIFIER_COLUMNS:
            return ColumnField(IDENTIFIER_COLUMNS[name], PHONE if name == "phone" else STRING)
        if "." in name:
            return PathField(name)
        return None


def parse_filter(text: str | None) -> dict[str, Any] | None:
    """A filter object from its JSON text (as in a bookmarked URL); None for none."""
    if text is None or not text.strip():
        return None
    try:
        spec = json.loads(text)
    except ValueError:
        raise FilterInvalid(_("The filter is not valid JSON.")) from None
    return spec


def filter_q(spec: Any, catalog: Catalog | None = None) -> Q:
    """The Q selecting the contacts that `spec` matches (None or {} matches every contact).

    Raises FilterInvalid for an unknown field, union or operator, an operator that does not
    apply to the field's kind, or a value that does not fit.
    """
    if spec is None or spec == {}:
        return Q()
    if not isinstance(spec, dict):
        raise FilterInvalid(_("The filter must be an object {union, conditions}."))
    return _node(spec, catalog or Catalog.load(), "conditions")


def _node(node: Any, catalog: Catalog, where: str) -> Q:
    if not isinstance(node, dict):
        raise FilterInvalid(
            _("%(where)s: a condition must be an object, got %(node)r.")
            % {"where": where, "node": node}
        )
    if "conditions" in node:
        return _group(node, catalog, where)
    return _condition(node, catalog)


def _group(node: dict[str, Any], catalog: Catalog, where: str) -> Q:
    union = node.get("union") or "and"  # the reference writes null for a one-condition group
    if union not in UNIONS:
        raise FilterInvalid(
            _("%(where)s: unknown union %(union)r; use and or or.")
            % {"where": where, "union": union}
        )
    conditions = node["conditions"]
    if not isinstance(conditions, list):
        raise FilterInvalid(_("%(where)s: conditions must be an array.") % {"where": where})
    parts = [_node(child, catalog, f"{where}[{i}]") for i, child in enumerate(conditions)]
    if union == "and":
        return reduce(lambda a, b: a & b, parts, Q())
    return reduce(lambda a, b: a | b, parts) if parts else NEVER


def describe(node: dict[str, Any]) -> str:
    """A condition as people read it: `City contains "mos"`."""
    value = node.get("value")
    shown = "" if node.get("op") in ("exists", "nexists") else " " + json.dumps(value)
    return f"{node.get('field')} {node.get('op')}{shown}"


def _condition(node: dict[str, Any], catalog: Catalog) -> Q:
    field_name, op = node.get("field"), node.get("op")
    where = describe(node)
    if not isinstance(field_name, str) or not field_name:
        raise FilterInvalid(
            _("A condition needs a field: %(where)s.") % {"where": where}, condition=where
        )
    if op not in OPERATOR_KINDS:
        raise FilterInvalid(
            _("Unknown operator %(op)r in %(where)s; use one of %(operators)s.")
            % {"op": op, "where": where, "operators": ", ".join(OPERATORS)},
            condition=where,
        )
    field = catalog.field(field_name)
    if field is None:
        raise FilterInvalid(
            _(
                "Unknown field %(field)r in %(where)s: not a variable, a built-in field "
                "(%(fields)s) or a profile path such as vk.city.title."
            )
            % {"field": field_name, "where": where, "fields": ", ".join(BUILTIN_FIELDS)},
            condition=where,
        )
    if field.kind not in OPERATOR_KINDS[op]:
        fitting = [o for o, kinds in OPERATOR_KINDS.items() if field.kind in kinds]
        raise FilterInvalid(
            _(
                "%(op)s does not apply to %(field)s, which is %(kind)s: %(where)s. "
                "Use one of %(ops)s."
            )
            % {
                "op": op,
                "field": field_name,
                "kind": KIND_NAMES[field.kind],
                "where": where,
                "ops": ", ".join(fitting),
            },
            condition=where,
        )
    positive = NEGATED.get(op, op)
    test = _positive(field, positive, node.get("value"), where)
    return ~test if op in NEGATED else test


def _positive(field: Field, op: str, value: Any, where: str) -> Q:
    if op == "exists":
        return field.present()
    if op == "contains":
        return field.contains(str(_operand(STRING, value, where)).lower())
    if op == "has":
        return field.has(_operand(ARRAY, value, where))
    operand = _operand(field.kind, value, where)
    if op == "eq":
        if isinstance(field, ChannelsField):
            return field.eq(operand, exactly=isinstance(value, list))
        return field.eq(operand)
    return field.compare(op, operand)
