"""The Content-Security-Policy header, byte for byte, as the desk sends it.

The expected headers below are the ones the desk's hand-written middleware (operator_desk/csp.py,
replaced by django-csp in issue #15) produced for the same requests: the policy must stay exactly
as strict (no inline script or style, no framing, forms and sockets only to the desk, media only
from the desk, the platform's host and DESK_CSP_MEDIA_SOURCES), in the same order.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"


def policy(media: str, sockets: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {media}; media-src {media}; connect-src 'self' {sockets}; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


PLAIN_SOCKETS = "ws://testserver wss://testserver"
# The suite runs with the built-in defaults: DESK_CSP_MEDIA_SOURCES "https:", the sandbox's URL.
DEFAULT_MEDIA = "'self' data: blob: https: http://127.0.0.1:8100"


@pytest.fixture
def signed_in(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/api/session", "/jsi18n/", "/healthz", "/no-such-page"]
)
def test_every_answer_carries_the_same_policy(signed_in, path):
    answer = signed_in.get(path)
    assert answer[HEADER] == policy(DEFAULT_MEDIA, PLAIN_SOCKETS), path


def test_a_refused_form_post_and_a_redirect_carry_it_too(client):
    assert client.get("/")[HEADER] == policy(DEFAULT_MEDIA, PLAIN_SOCKETS)  # to sign-in
    refused = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert refused.status_code == 403
    assert refused[HEADER] == policy(DEFAULT_MEDIA, PLAIN_SOCKETS)


def test_over_https_only_the_secure_socket_is_allowed(signed_in):
    answer = signed_in.get("/", secure=True)
    assert answer[HEADER] == policy(DEFAULT_MEDIA, "wss://testserver")


# The media sources and the platform's host are read from the environment when the desk starts:
# these start one, as a deployment would, and ask it for its sign-in page.
ASK = """
import sys, django
django.setup()
from django.test import Client
answer = Client().get("/accounts/login/", HTTP_HOST=sys.argv[1], secure=sys.argv[2] == "https")
print(answer["Content-Security-Policy"])
"""


def header_of_a_desk_started_with(environment: dict[str, str], host: str, scheme: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "operator_desk.settings", **environment}
    env.setdefault("ALLOWED_HOSTS", host)
    done = subprocess.run(
        [sys.executable, "-c", ASK, host, scheme],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_media_sources_and_the_platform_host_follow_the_environment():
    header = header_of_a_desk_started_with(
        {
            "DESK_CSP_MEDIA_SOURCES": "https://media.example.com,https://cdn.example.net",
            "FROMNI_BASE_URL": "http://sandbox.internal:8100/user",
        },
        host="desk.example.com",
        scheme="http",
    )
    media = "'self' data: blob: https://media.example.com https://cdn.example.net"
    assert header == policy(
        f"{media} http://sandbox.internal:8100", "ws://desk.example.com wss://desk.example.com"
    )


def test_the_platform_host_is_named_once():
    header = header_of_a_desk_started_with(
        {
            "DESK_CSP_MEDIA_SOURCES": "https://api.fromni.com",
            "FROMNI_BASE_URL": "https://api.fromni.com/user",
        },
        host="desk.example.com",
        scheme="https",
    )
    assert header == policy("'self' data: blob: https://api.fromni.com", "wss://desk.example.com")


def test_every_process_writes_the_directives_in_the_same_order():
    # Several daphne processes serve the desk; each has its own string hashing.
    for seed in ("1", "2", "3", "4"):
        header = header_of_a_desk_started_with(
            {"PYTHONHASHSEED": seed, "FROMNI_BASE_URL": "http://127.0.0.1:8100/user"},
            host="127.0.0.1",
            scheme="http",
        )
        assert header == policy(DEFAULT_MEDIA, "ws://127.0.0.1 wss://127.0.0.1"), seed


def test_a_host_not_allowed_is_refused_before_any_page_is_made(client):
    # CommonMiddleware answers 400 before the policy's middleware runs (as it always has).
    answer = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert answer.status_code == 400 and HEADER not in answer


def test_when_the_host_cannot_be_named_the_answer_may_load_nothing(rf):
    # Should a middleware ahead of it let a bad host through, the policy still locks down.
    from operator_desk.csp import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>page</p>"))
    answer = middleware(rf.get("/", HTTP_HOST="evil.example"))
    assert answer[HEADER] == "default-src 'none'; frame-ancestors 'none'"
