"""Typed input for the JSON API: one pydantic model per endpoint, and one way to say what in
the input was wrong.

A view parses its body (`body_parsed`) or its query (`query_parsed`) into its model; what does
not fit is an `Invalid` (400) whose message names the field, with the field's name (as the
request spells it) in `field`: `{"error": "invalid", "message": "clientKey is at most 100
characters.", "field": "clientKey"}`. Nothing is coerced by hand and nothing is cut short.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from operator_desk.api import json_body
from operator_desk.errors import Invalid

Parsed = TypeVar("Parsed", bound=BaseModel)


class Input(BaseModel):
    """An endpoint's input: JSON's camelCase names (`clientKey`) for Python's snake_case
    fields (`client_key`); fields the endpoint does not know are ignored, as before."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


def input_parsed(model: type[Parsed], data: Any) -> Parsed:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_input(error) from None


def body_parsed(request: HttpRequest, model: type[Parsed]) -> Parsed:
    """The request's JSON body (an object; an empty body is `{}`) as `model`."""
    return input_parsed(model, json_body(request))


def query_parsed(request: HttpRequest, model: type[Parsed]) -> Parsed:
    """The query string as `model`: the last value of each name; an empty value is no value
    (`?limit=` takes the default), as a form would send it."""
    return input_parsed(model, {k: v for k, v in request.GET.items() if v != ""})


def invalid_input(error: ValidationError) -> Invalid:
    """The first thing wrong, as the API's 400: a sentence naming the field, and the field."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    return Invalid(_sentence(field, first), field=field)


def _sentence(field: str, error: ErrorDetails) -> str:
    """In the operator's language (the request's); `field` stays the name the request spells."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("%(field)s is required.") % {"field": field}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("%(field)s must be a whole number.") % {"field": field}
    if kind in ("string_type", "string_sub_type"):
        return _("%(field)s must be a string.") % {"field": field}
    if kind == "string_too_long":
        return _("%(field)s is at most %(most)s characters.") % {
            "field": field,
            "most": context["max_length"],
        }
    if kind == "string_too_short":
        return _("%(field)s must not be empty.") % {"field": field}
    if kind == "greater_than_equal":
        return _("%(field)s must be at least %(least)s.") % {"field": field, "least": context["ge"]}
    if kind == "less_than_equal":
        return _("%(field)s must be at most %(most)s.") % {"field": field, "most": context["le"]}
    if kind in ("literal_error", "enum"):
        return _("%(field)s must be one of %(choices)s.") % {
            "field": field,
            "choices": context["expected"].replace(chr(39), ""),
        }
    if kind == "list_type":
        return _("%(field)s must be a list.") % {"field": field}
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("%(field)s must be an object.") % {"field": field}
    # A kind the desk has no sentence for: pydantic's own words, which are English.
    return _("%(field)s: %(problem)s.") % {"field": field, "problem": error["msg"]}
