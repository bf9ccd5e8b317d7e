"""The desk's handle on the Fromni platform: one API client per thread, built from settings."""

from __future__ import annotations

import threading

from django.conf import settings

from fromni.client import FromniClient

_local = threading.local()


def platform_client() -> FromniClient:
    """A keep-alive client for this thread (requests sessions are not thread-safe)."""
    # Everything the client is built from: a changed setting (tests) gets a new client.
    key = (
        settings.FROMNI_BASE_URL,
        settings.FROMNI_API_TOKEN,
        settings.FROMNI_CONNECT_TIMEOUT,
        settings.FROMNI_READ_TIMEOUT,
    )
    client = getattr(_local, "client", None)
    if client is None or getattr(_local, "key", None) != key:
        client = FromniClient(
            settings.FROMNI_BASE_URL,
            settings.FROMNI_API_TOKEN,
            connect_timeout=settings.FROMNI_CONNECT_TIMEOUT,
            read_timeout=settings.FROMNI_READ_TIMEOUT,
        )
        _local.client, _local.key = client, key
    return client
