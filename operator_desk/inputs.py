"""Typed input of JSON endpoints: a pydantic model reads the query string or the body, and what
it refuses is a 400 that names the parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.http import QueryDict
from pydantic import BaseModel, ValidationError

from operator_desk.errors import Invalid

Model = TypeVar("Model", bound=BaseModel)


def body_input(model: type[Model], body: Mapping[str, Any]) -> Model:
    """The model read from a JSON body (operator_desk.api.json_body)."""
    return _validated(model, dict(body))


def query_input(model: type[Model], query: QueryDict | Mapping[str, Any]) -> Model:
    """The model read from a query string (the last value of a repeated parameter; an empty
    one counts as not given)."""
    return _validated(model, {key: query[key] for key in query if query[key] != ""})


def _validated(model: type[Model], values: dict[str, Any]) -> Model:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "query"
        raise Invalid(f"{name}: {first['msg']}.", parameter=name) from None
