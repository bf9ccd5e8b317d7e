"""POST /api/uploads: a file for a reply goes to the platform's media storage (the sandbox)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.admin import requests_to

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


def upload(client, name: str, content: bytes):
    return client.post(
        "/api/uploads", {"file": SimpleUploadedFile(name, content, content_type="text/plain")}
    )


def test_an_empty_file_is_refused_before_it_reaches_the_platform(agent_client, platform):
    answer = upload(agent_client, "notes.txt", b"")
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid",
        "message": "notes.txt is empty (0 bytes): there is nothing to send.",
    }
    assert requests_to(platform, "storage/upload") == []


def test_a_one_byte_file_goes_to_the_platform(agent_client, platform):
    answer = upload(agent_client, "dot.txt", b".")
    assert answer.status_code == 200, answer.content
    assert answer.json()["size"] == 1
    assert len(requests_to(platform, "storage/upload")) == 1
