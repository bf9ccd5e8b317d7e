"""The account's set-up: where callbacks go (and their secret), and the connected channels."""

from __future__ import annotations

from ..models import CallbackSettings, Connection, parse_connections
from . import bodies
from .answers import Answers


class AccountMethods(Answers):
    def callback_set(self, callback_url: str, secret: str | None = None) -> None:
        self._ok("callback_set", bodies.compact({"callbackUrl": callback_url, "secret": secret}))

    def callback_get(self) -> CallbackSettings:
        return self._one("callback_get", {}, CallbackSettings)

    def channels_connections(self) -> list[Connection]:
        """Connected channel accounts, each with `channel` filled whatever the answer's form."""
        answer = self.call("channels_connections", {})
        return self._parse("channels_connections", lambda: parse_connections(answer.get("data")))
