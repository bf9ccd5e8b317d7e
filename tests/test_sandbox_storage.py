"""Media storage in the sandbox: upload parameters, a real multipart upload with the file last,
the 10 MB limit, and serving the file at mediaUrl."""

from __future__ import annotations

import os

import pytest
import requests

from fromni.methods import MEDIA_MAX_BYTES

pytestmark = pytest.mark.sandbox


def params(
    sandbox_api, filename: str = "photo.png", content_type: str | None = "image/png"
) -> dict:
    body = {"filename": filename} | ({"contentType": content_type} if content_type else {})
    return sandbox_api.ok("storage/upload", body)


def upload(
    answer: dict, data: bytes, part_type: str | None = "image/png", **overrides: str
) -> requests.Response:
    fields = {**answer["fields"], **overrides}
    # requests puts `data` fields first and the file after them, as the platform wants.
    files = {"file": ("upload.bin", data, part_type) if part_type else ("upload.bin", data)}
    return requests.post(answer["url"], data=fields, files=files, timeout=30)


def test_binary_file_roundtrip(sandbox_api):
    answer = params(sandbox_api)
    # Bytes that look like multipart syntax must survive untouched.
    data = os.urandom(200_000) + b"\r\n--boundary\r\n\r\n" + bytes(range(256))
    assert upload(answer, data).status_code == 204
    served = requests.get(answer["mediaUrl"], timeout=10)
    assert served.status_code == 200 and served.content == data
    assert served.headers["Content-Type"] == "image/png"


def test_content_type_comes_from_the_part_or_the_filename(sandbox_api):
    answer = params(sandbox_api, "contract.pdf", content_type=None)
    assert "Content-Type" not in answer["fields"]
    assert upload(answer, b"%PDF-1.4", part_type=None).status_code == 204
    assert requests.get(answer["mediaUrl"], timeout=5).headers["Content-Type"] == "application/pdf"
    answer = params(sandbox_api, "notes.txt", content_type=None)
    assert upload(answer, b"hi", part_type="text/markdown").status_code == 204
    assert requests.get(answer["mediaUrl"], timeout=5).headers["Content-Type"] == "text/markdown"


def test_file_of_exactly_the_limit_is_accepted_and_one_byte_more_refused(sandbox_api):
    answer = params(sandbox_api)
    assert upload(answer, b"\0" * (MEDIA_MAX_BYTES + 1)).status_code == 400
    assert upload(answer, b"\0" * MEDIA_MAX_BYTES).status_code == 204
    assert len(requests.get(answer["mediaUrl"], timeout=10).content) == MEDIA_MAX_BYTES


def test_much_larger_body_is_refused_with_400(sandbox_api):
    answer = params(sandbox_api)
    refused = upload(answer, b"\0" * (MEDIA_MAX_BYTES + 2 * 1024 * 1024))
    assert refused.status_code == 400 and "larger" in refused.json()["message"]


def test_file_must_be_the_last_part(sandbox_api):
    answer = params(sandbox_api)
    boundary = "b0undary"
    parts = [
        ("file", b"data", 'filename="a.png"'),
        *((k, v.encode(), None) for k, v in answer["fields"].items()),
    ]
    body = b""
    for name, value, extra in parts:
        disposition = f'form-data; name="{name}"' + (f"; {extra}" if extra else "")
        body += (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    assert requests.post(answer["url"], data=body, headers=headers, timeout=5).status_code == 400


def test_fields_must_come_back_unchanged_and_once(sandbox_api):
    answer = params(sandbox_api)
    assert upload(answer, b"x", Policy="forged").status_code == 403
    assert upload(answer, b"x", Key="sandbox/other/photo.png").status_code == 403
    assert upload(answer, b"x").status_code == 204
    assert upload(answer, b"y").status_code == 403  # one set of parameters, one file


def test_not_multipart_is_400(sandbox_api):
    answer = params(sandbox_api)
    assert requests.post(answer["url"], json=answer["fields"], timeout=5).status_code == 400


def test_filename_needs_an_extension(sandbox_api):
    sandbox_api.error("storage/upload", {"filename": "contract"})


def test_unknown_media_is_404(sandbox):
    assert (
        requests.get(f"{sandbox.base_url}/_storage/media/sandbox/x/none.png", timeout=5).status_code
        == 404
    )
