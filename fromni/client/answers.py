"""From the platform's success answer to `fromni.models`, by the answer's shape.

Every public method ends in one of these: the object next to `result` (`_one`), `data: [...]`
(`_list`, `_page` with `total`), an `id` (`_id`), or nothing but success (`_ok`). A malformed
answer surfaces as FromniBadResponse, never as pydantic's error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import FromniBadResponse
from ..models import Page
from .bodies import JSONBody
from .transport import Transport

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


class Answers(Transport):
    def _parse(self, method_name: str, parse: Callable[[], R]) -> R:
        # A malformed answer must surface as FromniBadResponse, never as pydantic's error.
        try:
            return parse()
        except (ValidationError, ValueError) as exc:
            message = validation_summary(exc) if isinstance(exc, ValidationError) else str(exc)
            raise FromniBadResponse(
                f"unexpected shape: {message}", method=method_name, status=200
            ) from None

    def _one(self, method_name: str, body: JSONBody, model: type[M]) -> M:
        """A method whose answer is the object itself, next to `result`."""
        answer = self.call(method_name, body)
        fields = {k: v for k, v in answer.items() if k != "result"}
        return self._parse(method_name, lambda: model.model_validate(fields))

    def _list(self, method_name: str, body: JSONBody, model: type[M]) -> list[M]:
        """A method whose answer is `data: [...]`."""
        return self._page(method_name, body, model).data

    def _page(self, method_name: str, body: JSONBody, model: type[M]) -> Page[M]:
        """A list method: `data: [...]` plus `total` where the API gives it."""
        answer = self.call(method_name, body)
        # `null` is an empty page (see fromni.loose); anything else but a list is not a page.
        if answer.get("data") is not None and not isinstance(answer.get("data"), list):
            raise FromniBadResponse(
                f"`data` is {type(answer.get('data')).__name__}, not a list",
                method=method_name,
                status=200,
                body=answer,
            )
        fields = {k: v for k, v in answer.items() if k != "result"}
        return self._parse(method_name, lambda: Page[model].model_validate(fields))

    def _id(self, method_name: str, body: JSONBody) -> str:
        """A method that answers the id of what it created or started."""
        answer = self.call(method_name, body)
        value = answer.get("id")
        if value is None or isinstance(value, (dict, list, bool)):
            raise FromniBadResponse("no `id` in the answer", method=method_name, status=200)
        return str(value)

    def _ok(self, method_name: str, body: JSONBody) -> None:
        """A method that answers only {"result": "success"}."""
        self.call(method_name, body)


def validation_summary(exc: ValidationError) -> str:
    """The first few problems of a validation error, one line."""
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
