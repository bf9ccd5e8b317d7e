"""Malformed form uploads to the sandbox's storage: refused whole with 400, never read in part.

The storage parses forms with python-multipart; a form whose delimiter lines are broken must
not be read from the first delimiter that happens to look right (which silently drops the
parts before it), and refusing it must leave the upload parameters usable.
"""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.sandbox


def _form(fields: dict[str, str], data: bytes) -> tuple[str, bytes]:
    """A form as requests sends it: the fields, then the file last."""
    files = {"file": ("photo.png", data, "image/png")}
    prepared = requests.Request("POST", "http://storage/", data=fields, files=files).prepare()
    assert isinstance(prepared.body, bytes)
    return prepared.headers["Content-Type"], prepared.body


def test_a_broken_first_delimiter_is_refused_as_malformed(sandbox_api):
    answer = sandbox_api.ok("storage/upload", {"filename": "photo.png", "contentType": "image/png"})
    content_type, body = _form(answer["fields"], b"\x89PNG picture")
    boundary = content_type.split("boundary=", 1)[1].encode()
    assert body.startswith(b"--" + boundary + b"\r\n")
    broken = b"--" + boundary[:-1] + b"#" + body[len(boundary) + 2 :]

    refused = requests.post(
        answer["url"], data=broken, headers={"Content-Type": content_type}, timeout=5
    )

    assert refused.status_code == 400, refused.text
    assert refused.json()["result"] == "error" and refused.json()["message"]
    assert requests.get(answer["mediaUrl"], timeout=5).status_code == 404
    # Nothing was used up: the same parameters still take the well-formed form.
    stored = requests.post(
        answer["url"], data=body, headers={"Content-Type": content_type}, timeout=5
    )
    assert stored.status_code == 204
    assert requests.get(answer["mediaUrl"], timeout=5).content == b"\x89PNG picture"


def test_a_form_cut_short_is_refused_and_nothing_is_stored(sandbox_api):
    answer = sandbox_api.ok("storage/upload", {"filename": "photo.png", "contentType": "image/png"})
    content_type, body = _form(answer["fields"], b"\x89PNG picture")
    # The file part is complete, but the closing delimiter never comes: the body was cut
    # after the next part's delimiter line.
    assert body.endswith(b"--\r\n")
    cut = body[: -len(b"--\r\n")] + b"\r\n"

    refused = requests.post(
        answer["url"], data=cut, headers={"Content-Type": content_type}, timeout=5
    )

    assert refused.status_code == 400, refused.text
    assert requests.get(answer["mediaUrl"], timeout=5).status_code == 404
