"""The desk's handle on the Fromni platform: one API client per thread, built from settings."""

from __future__ import annotations

import threading

from django.conf import settings

from fromni.client import FromniClient

_local = threading.local()


def platform_client(*, retries: bool = True) -> FromniClient:
    """A keep-alive client for this thread (requests sessions are not thread-safe).

    `retries=False`: one attempt per call, for background work that schedules its own next try
    instead of sleeping in the worker (history loads).
    """
    # Everything the client is built from: a changed setting (tests) gets a new client.
    key = (
        settings.FROMNI_BASE_URL,
        settings.FROMNI_API_TOKEN,
        settings.FROMNI_CONNECT_TIMEOUT,
        settings.FROMNI_READ_TIMEOUT,
    )
    clients = _local.__dict__.setdefault("clients", {})
    built = clients.get(retries)
    if built is None or built[0] != key:
        options = {} if retries else {"max_retries": 0}
        client = FromniClient(
            settings.FROMNI_BASE_URL,
            settings.FROMNI_API_TOKEN,
            connect_timeout=settings.FROMNI_CONNECT_TIMEOUT,
            read_timeout=settings.FROMNI_READ_TIMEOUT,
            **options,
        )
        built = clients[retries] = (key, client)
    return built[1]
