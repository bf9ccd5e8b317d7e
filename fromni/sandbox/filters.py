"""The reference's list filter: nested `{union, conditions}` groups of `{field, op, value}`.

A filter is compiled once (so a bad field or operator is refused even on an empty list) into a
predicate. Fields are resolved by the caller (contact variables, deal attributes, built-ins)
into a getter that returns the row's value and its kind, which decides how values compare:
`string`, `number`, `date`, `phone` or `array`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import parse_datetime
from .values import as_number, normalize_phone

Row = Any
Getter = Callable[[Row], Any]
Resolver = Callable[[str], tuple[Getter, str] | None]
Predicate = Callable[[Row], bool]

KINDS = ("string", "number", "date", "phone", "array")
UNIONS = ("and", "or")


class FilterError(ValueError):
    pass


def compile_filter(spec: Any, resolve: Resolver) -> Predicate:
    """A predicate for `spec` (None or `{}` matches every row)."""
    if spec is None or spec == {}:
        return lambda row: True
    if not isinstance(spec, dict):
        raise FilterError("filter must be an object")
    return _compile_node(spec, resolve)


def _compile_node(node: Any, resolve: Resolver) -> Predicate:
    if not isinstance(node, dict):
        raise FilterError(f"filter condition must be an object, got {node!r}")
    if "conditions" in node:
        return _compile_group(node, resolve)
    return _compile_condition(node, resolve)


def _compile_group(node: dict[str, Any], resolve: Resolver) -> Predicate:
    union = node.get("union") or "and"  # the reference writes `null` for a one-condition group
    if union not in UNIONS:
        raise FilterError(f"Unknown filter union {union!r}")
    conditions = node["conditions"]
    if not isinstance(conditions, list):
        raise FilterError("filter conditions must be an array")
    parts = [_compile_node(child, resolve) for child in conditions]
    combine = all if union == "and" else any
    return lambda row: combine(part(row) for part in parts)


def _compile_condition(node: dict[str, Any], resolve: Resolver) -> Predicate:
    field, op = node.get("field"), node.get("op")
    if not isinstance(field, str) or not field:
        raise FilterError("filter condition needs a field")
    if op not in OPERATORS:
        raise FilterError(f"Unknown filter operator {op!r}")
    resolved = resolve(field)
    if resolved is None:
        raise FilterError(f"Unknown filter field {field!r}")
    getter, kind = resolved
    if kind not in OPERATOR_KINDS[op]:
        # The reference's table gives each operator its type of variable; lt on a string is
        # refused like any value that does not fit, not answered with an empty list.
        raise FilterError(f"Operator {op!r} does not apply to field {field!r} ({kind})")
    test = OPERATORS[op](kind, node.get("value"), f"{field} {op}")
    return lambda row: test(getter(row))


# --- normalising both sides of a comparison by kind ---------------------------------------


def _normalize(kind: str, value: Any) -> Any:
    """The comparable form of a value of `kind`, or None when it is not one."""
    if value is None or value == "":
        return None
    if kind == "number":
        return as_number(value)
    if kind == "date":
        return parse_datetime(value)
    if kind == "phone":
        try:
            return normalize_phone(value)
        except ValueError:
            return str(value)
    if kind == "array":
        return list(value) if isinstance(value, list | tuple | set) else [value]
    return value if isinstance(value, str) else str(value)


def _operand(kind: str, value: Any, where: str) -> Any:
    normalized = _normalize(kind, value)
    if normalized is None:
        raise FilterError(f"Invalid filter value {value!r} for {where}")
    return normalized


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


# --- operators: each takes (kind, operand, where) and returns a test of the row's value -----

Test = Callable[[Any], bool]


def _eq(kind: str, value: Any, where: str) -> Test:
    if kind == "array":
        wanted = _operand(kind, value, where)
        if isinstance(value, list):
            return lambda got: _present(got) and set(_normalize(kind, got)) == set(wanted)
        return lambda got: _present(got) and wanted[0] in _normalize(kind, got)
    operand = _operand(kind, value, where)
    return lambda got: _normalize(kind, got) == operand


def _contains(kind: str, value: Any, where: str) -> Test:
    needle = str(_operand("string", value, where)).lower()
    return lambda got: _present(got) and needle in str(got).lower()


def _has(kind: str, value: Any, where: str) -> Test:
    wanted = _operand("array", value, where)
    return lambda got: _present(got) and all(w in _normalize("array", got) for w in wanted)


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[..., Test]:
    """lt/gt/lte/gte (numbers) and before/after (dates)."""

    def make(kind: str, value: Any, where: str) -> Test:
        operand = _operand(kind, value, where)

        def test(got: Any) -> bool:
            mine = _normalize(kind, got)
            return mine is not None and compare(mine, operand)

        return test

    return make


def _negate(make: Callable[..., Test]) -> Callable[..., Test]:
    def negated(kind: str, value: Any, where: str) -> Test:
        test = make(kind, value, where)
        return lambda got: not test(got)

    return negated


def _exists(kind: str, value: Any, where: str) -> Test:
    return _present


OPERATORS: dict[str, Callable[[str, Any, str], Test]] = {
    "eq": _eq,
    "neq": _negate(_eq),
    "contains": _contains,
    "ncontains": _negate(_contains),
    "exists": _exists,
    "nexists": _negate(_exists),
    "lt": _ordered(lambda a, b: a < b),
    "gt": _ordered(lambda a, b: a > b),
    "lte": _ordered(lambda a, b: a <= b),
    "gte": _ordered(lambda a, b: a >= b),
    "before": _ordered(lambda a, b: a < b),
    "after": _ordered(lambda a, b: a > b),
    "has": _has,
    "nhas": _negate(_has),
}

# The kinds of field each operator applies to: the reference's table ("Type of variable":
# contains on strings, lt..gte on numbers, before/after on dates, has/nhas on arrays, the rest
# on all). A phone is a string.
_ALL = KINDS
OPERATOR_KINDS: dict[str, tuple[str, ...]] = {
    "eq": _ALL,
    "neq": _ALL,
    "exists": _ALL,
    "nexists": _ALL,
    "contains": ("string", "phone"),
    "ncontains": ("string", "phone"),
    "lt": ("number",),
    "gt": ("number",),
    "lte": ("number",),
    "gte": ("number",),
    "before": ("date",),
    "after": ("date",),
    "has": ("array",),
    "nhas": ("array",),
}
