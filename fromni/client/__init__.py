"""The Fromni API client: `FromniClient`, one public class, one method per API method.

Built from one mixin per job, each in its own module:
- `transport`: `call(name, body)`, the one place that talks HTTP (paths from
  `fromni.methods.METHODS`, explicit timeouts, keep-alive, retries only for what is safe to
  repeat, every failure a `fromni.errors.FromniError`: refusal or outage);
- `answers`: the answer's shape into `fromni.models`; `paging`: `iterate` over a list method;
- one module per API section (`conversations`, `contacts`, `templates`, `deals`, `outreach`:
  events, campaigns, notifications; `media`: storage uploads; `account`: callback settings and
  channels), whose methods only build the reference's request body and parse the answer;
- `bodies`: the pieces of request bodies the sections share.

No Django here: the client is used from web workers, background workers and scripts alike.
"""

from __future__ import annotations

from .account import AccountMethods
from .contacts import ContactMethods
from .conversations import ConversationMethods
from .deals import DealMethods
from .media import MediaMethods
from .outreach import OutreachMethods
from .templates import TemplateMethods

__all__ = ["FromniClient"]


class FromniClient(
    ConversationMethods,
    ContactMethods,
    AccountMethods,
    TemplateMethods,
    DealMethods,
    OutreachMethods,
    MediaMethods,
):
    """A Fromni API client: one keep-alive session, one method per API method.

    Args:
        base_url: e.g. "https://api.fromni.com/user" (the sandbox: "http://127.0.0.1:8100/user").
        token: the account's API token, sent as `Authorization: Token <token>`.
        connect_timeout, read_timeout: seconds; every request has both, so a hung platform
            cannot hang a worker.
        max_retries: extra attempts for retry-safe methods after a transport error or 5xx.
        backoff: first backoff delay in seconds; doubled per attempt, with jitter.
        session: a `requests.Session` to reuse (its headers are left alone; ours go per request
            so that the token is never sent to the media storage host).
    """

    def __repr__(self) -> str:
        # Never print the token.
        return f"FromniClient({self.base_url!r})"
