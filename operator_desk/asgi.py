"""ASGI entry point: Django for HTTP, Channels for the operators' websockets."""

import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "operator_desk.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the websocket routes do).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import reverse  # noqa: E402

from callbacks.asgi import CallbackEndpoint  # noqa: E402
from callbacks.body_limit import limit_callback_bodies  # noqa: E402
from callbacks.intake import MAX_BODY_BYTES, TOO_LARGE, refusal  # noqa: E402
from desk.routing import websocket_urlpatterns  # noqa: E402
from operator_desk.heap import freeze_startup_objects  # noqa: E402
from operator_desk.origins import SameOriginValidator  # noqa: E402
from operator_desk.socket_auth import SessionAuthentication  # noqa: E402
from operator_desk.webserver import answer_refused_requests  # noqa: E402
from realtime.services import serve_pushes_from  # noqa: E402


def remember_loop(app):
    """Tell realtime which event loop serves this process (see realtime.services._push)."""

    async def asgi(scope, receive, send):
        if scope["type"] != "lifespan":
            serve_pushes_from(asyncio.get_running_loop())
        return await app(scope, receive, send)

    return asgi


def callback_paths() -> set[str]:
    """The platform's callback route, with or without its slash (as in urls.py)."""
    path = reverse("fromni-callback")
    return {path, path.rstrip("/")}


def callbacks_first(app):
    """The platform's callback route straight to its ASGI endpoint; the rest to Django."""
    paths, endpoint = callback_paths(), CallbackEndpoint()

    async def asgi(scope, receive, send):
        if scope["type"] == "http" and scope["path"] in paths:
            return await endpoint(scope, receive, send)
        return await app(scope, receive, send)

    return asgi


# Before daphne listens: it imports this module first.
answer_refused_requests()
# Daphne reads no more of a callback body than the endpoint takes (callbacks/body_limit.py).
limit_callback_bodies(
    paths=callback_paths(),
    limit=MAX_BODY_BYTES,
    refusal=refusal(413, "too_large", TOO_LARGE)[1],
)

application = ProtocolTypeRouter(
    {
        "http": remember_loop(callbacks_first(django_asgi_app)),
        "websocket": remember_loop(
            SameOriginValidator(SessionAuthentication(URLRouter(websocket_urlpatterns)))
        ),
    }
)
# Last: the URLconf (reverse above) and the routes are loaded.
freeze_startup_objects()
