"""FromniClient.upload_media against the sandbox's storage: the two-step upload (storage/upload,
then a multipart POST with every signed field and the file last), the 10 MB limit checked
before anything is sent, and failures of either step."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fromni.client import FromniClient
from fromni.errors import FromniAPIError, FromniBadResponse, FromniValueError
from fromni.methods import MEDIA_MAX_BYTES
from fromni.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[FromniClient]:
    with FromniClient(sandbox.api_url, sandbox.token, backoff=0.01) as fromni:
        yield fromni


def api_requests(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    return sandbox.control("GET", "requests")["data"]


def download(url: str) -> requests.Response:
    answer = requests.get(url, timeout=10)
    answer.raise_for_status()
    return answer


def test_upload_bytes(client: FromniClient, sandbox: SandboxProcess) -> None:
    media_url = client.upload_media("photo.png", PNG)

    # The content type is guessed from the name and declared when asking for parameters.
    assert [(r["path"], r["body"]) for r in api_requests(sandbox)] == [
        ("storage/upload", {"contentType": "image/png", "filename": "photo.png"})
    ]
    stored = download(media_url)
    assert stored.content == PNG
    assert stored.headers["Content-Type"] == "image/png"


def test_upload_a_binary_file(client: FromniClient, tmp_path: Path) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(b"%PDF-1.4 sandbox")

    with path.open("rb") as handle:
        media_url = client.upload_media("contract.pdf", handle)

    stored = download(media_url)
    assert stored.content == b"%PDF-1.4 sandbox"
    assert stored.headers["Content-Type"] == "application/pdf"


def test_explicit_content_type_wins(client: FromniClient, sandbox: SandboxProcess) -> None:
    media_url = client.upload_media("voice.bin", io.BytesIO(b"OggS"), "audio/ogg")

    assert api_requests(sandbox)[0]["body"] == {"contentType": "audio/ogg", "filename": "voice.bin"}
    assert download(media_url).headers["Content-Type"] == "audio/ogg"


def test_upload_of_exactly_the_limit(client: FromniClient) -> None:
    content = b"\0" * MEDIA_MAX_BYTES

    media_url = client.upload_media("big.bin", content)

    assert len(download(media_url).content) == MEDIA_MAX_BYTES


@pytest.mark.parametrize("as_stream", [False, True], ids=["bytes", "stream"])
def test_over_the_limit_is_refused_before_sending(
    client: FromniClient, sandbox: SandboxProcess, as_stream: bool
) -> None:
    raw = b"\0" * (MEDIA_MAX_BYTES + 1)
    content: Any = io.BytesIO(raw) if as_stream else raw

    with pytest.raises(FromniValueError) as caught:
        client.upload_media("big.bin", content)

    assert str(caught.value).startswith("Invalid input for Fromni upload_media: 'big.bin' is ")
    assert f"the limit is {MEDIA_MAX_BYTES} bytes (10 MB)" in str(caught.value)
    # Not even the upload parameters were asked for.
    assert api_requests(sandbox) == []


def test_upload_then_send_as_attachment(client: FromniClient, sandbox: SandboxProcess) -> None:
    conversation_id = sandbox.control("POST", "conversations", json={})["id"]
    media_url = client.upload_media("photo.png", PNG)
    attachment = {"type": "image", "url": media_url, "name": "photo.png"}

    client.conversations_send(conversation_id, "Here is the photo", [attachment])

    sent = sandbox.control("GET", f"conversations/{conversation_id}/messages")["data"]
    assert sent[0]["attachments"] == [attachment]


def test_storage_refusal_raises(client: FromniClient) -> None:
    # Upload parameters are single-use: a second POST with the same ones is refused (403).
    params = client.storage_upload("photo.png", content_type="image/png")
    client.upload_to_storage(params, "photo.png", PNG, "image/png")

    with pytest.raises(FromniAPIError) as caught:
        client.upload_to_storage(params, "photo.png", PNG, "image/png")

    error = caught.value
    assert (error.method, error.status, error.retryable) == ("upload_media", 403, False)
    assert error.message == "These upload parameters were already used"


def test_tampered_fields_are_refused(client: FromniClient) -> None:
    params = client.storage_upload("photo.png")
    params.fields["Policy"] = "forged"

    with pytest.raises(FromniAPIError) as caught:
        client.upload_to_storage(params, "photo.png", PNG)

    assert caught.value.status == 403
    assert "sent back unchanged" in str(caught.value)


def test_upload_parameters_are_retried(client: FromniClient, sandbox: SandboxProcess) -> None:
    # Asking for parameters has no effect, so an outage there is retried like any read.
    sandbox.control("POST", "faults", json={"path": "storage/upload", "mode": "outage", "count": 1})

    media_url = client.upload_media("photo.png", PNG)

    assert [r["status"] for r in api_requests(sandbox)] == [502, 200]
    assert download(media_url).content == PNG


def test_upload_parameters_of_the_wrong_shape(
    client: FromniClient, sandbox: SandboxProcess
) -> None:
    sandbox.control("POST", "faults", json={"path": "storage/upload", "mode": "bad_shape"})

    with pytest.raises(FromniBadResponse) as caught:
        client.upload_media("photo.png", PNG)

    assert caught.value.method == "storage_upload"
    assert "url" in str(caught.value) and "mediaUrl" in str(caught.value)


def test_text_stream_is_refused(client: FromniClient, sandbox: SandboxProcess) -> None:
    with pytest.raises(FromniValueError, match="binary mode"):
        client.upload_media("notes.txt", io.StringIO("text"))  # type: ignore[arg-type]

    assert api_requests(sandbox) == []
