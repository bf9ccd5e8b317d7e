"""Media storage: upload parameters (an S3-style POST policy), the upload, the served file.

`storage/upload` hands out `url` = this sandbox's `/_storage/upload` and signed `fields`; the
upload must send them all back unchanged with the file as the last part, at most
`MEDIA_MAX_BYTES`. The file is then served at `mediaUrl` = `/_storage/media/{key}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, unquote

from python_multipart import FormParser
from python_multipart.multipart import Field, File, parse_options_header

from fromni.methods import MEDIA_MAX_BYTES

from .app import Sandbox
from .clock import iso, utcnow
from .ids import object_id
from .responses import Response, json_response
from .state import PlatformState, Upload

UPLOAD_PATH = "/_storage/upload"
MEDIA_PREFIX = "/_storage/media/"
LINK_LIFETIME = timedelta(hours=1)
BUCKET = "fromni-storage"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _sign(sb: Sandbox, policy: str) -> str:
    return hmac.new(sb.signing_key, policy.encode(), hashlib.sha256).hexdigest()


def issue(
    sb: Sandbox, state: PlatformState, base_url: str, filename: str, content_type: str | None
) -> dict[str, object]:
    """Parameters for one upload (the answer of storage/upload, less `result`)."""
    safe_name = _UNSAFE.sub("_", filename.rsplit("/", 1)[-1])
    key = f"sandbox/{object_id()}/{safe_name}"
    now = utcnow()
    expires = now + LINK_LIFETIME
    policy = base64.b64encode(
        json.dumps(
            {"expiration": iso(expires), "conditions": [{"bucket": BUCKET}, {"key": key}]}
        ).encode()
    ).decode()
    fields = {
        "Key": key,
        "ACL": "public-read",
        "bucket": BUCKET,
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"SANDBOX/{now:%Y%m%d}/ru-central1/s3/aws4_request",
        "X-Amz-Date": f"{now:%Y%m%dT%H%M%SZ}",
        "Policy": policy,
        "X-Amz-Signature": _sign(sb, policy),
    }
    if content_type:
        fields["Content-Type"] = content_type
    state.uploads[key] = Upload(key, fields, content_type, expires)
    return {"url": base_url + UPLOAD_PATH, "fields": fields, "mediaUrl": media_url(base_url, key)}


def media_url(base_url: str, key: str) -> str:
    return base_url + MEDIA_PREFIX + quote(key)


def store_file(sb: Sandbox, data: bytes, filename: str, content_type: str, base_url: str) -> str:
    """Put a file straight into storage (users' incoming attachments); its mediaUrl."""
    with sb.transaction() as state:
        issued = issue(sb, state, base_url, filename, content_type)
        upload = state.uploads[issued["fields"]["Key"]]  # type: ignore[index]
        upload.data, upload.stored_type = data, content_type
    return str(issued["mediaUrl"])


def _fail(status: int, message: str) -> Response:
    return json_response(status, {"result": "error", "message": message})


def too_large() -> Response:
    return _fail(400, f"File is larger than {MEDIA_MAX_BYTES} bytes")


@dataclass(frozen=True)
class Part:
    """One part of a form body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def form_parts(content_type: str, body: bytes) -> list[Part]:
    """The parts of a `multipart/form-data` body, in order; ValueError when it is not one.

    python-multipart does the parsing (boundaries that may sit inside binary content, header
    limits); what is added here is what an S3 form upload also requires: a named part for each
    field and a closing boundary, so a body cut short is refused rather than stored in part.
    """
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ValueError("Content-Type must be multipart/form-data with a boundary")
    parsed: list[Field | File] = []
    ended: list[bool] = []
    parser = FormParser(
        "multipart/form-data",
        parsed.append,
        parsed.append,
        on_end=lambda: ended.append(True),
        boundary=boundary,
        # The whole body is in memory already (the server capped it): never a temporary file.
        config={"MAX_MEMORY_FILE_SIZE": len(body) + 1},
    )
    parser.write(body)
    parser.finalize()
    if not ended:
        raise ValueError("the body has no closing boundary")
    return [_part(item) for item in parsed]


def _part(item: Field | File) -> Part:
    name = (item.field_name or b"").decode("utf-8", "replace")
    if not name:
        raise ValueError("a form part has no Content-Disposition name")
    declared = parse_options_header(item.content_type)[0].decode("latin-1") or None
    if isinstance(item, File):
        filename = (item.file_name or b"").decode("utf-8", "replace")
        item.file_object.seek(0)
        return Part(name, filename, declared, item.file_object.read())
    return Part(name, None, declared, item.value or b"")


def receive(sb: Sandbox, content_type: str, body: bytes) -> Response:
    """`POST /_storage/upload`: 204 once the file is stored, as S3 answers a form upload."""
    try:
        parts = form_parts(content_type, body)
    except ValueError as exc:
        return _fail(400, str(exc))
    if not parts or parts[-1].name != "file" or parts[-1].filename is None:
        return _fail(400, "The file must be sent in the 'file' field, after all other fields")
    file_part, fields = parts[-1], {p.name: p.data.decode("utf-8", "replace") for p in parts[:-1]}
    if len(file_part.data) > MEDIA_MAX_BYTES:
        return too_large()
    with sb.transaction() as state:
        upload = state.uploads.get(fields.get("Key", ""))
        if upload is None:
            return _fail(403, "Unknown or missing Key: ask storage/upload for new parameters")
        if any(fields.get(name) != value for name, value in upload.fields.items()):
            return _fail(403, "Every field of storage/upload must be sent back unchanged")
        if upload.expires_at < utcnow():
            return _fail(403, "The upload parameters have expired")
        if upload.data is not None:
            return _fail(403, "These upload parameters were already used")
        guessed = mimetypes.guess_type(upload.key)[0]
        upload.stored_type = (
            upload.content_type or file_part.content_type or guessed or "application/octet-stream"
        )
        upload.data = file_part.data
    return Response(status=204)


def serve(sb: Sandbox, path: str) -> Response:
    """`GET /_storage/media/{key}`: the stored file."""
    key = unquote(path[len(MEDIA_PREFIX) :])
    with sb.transaction() as state:
        upload = state.uploads.get(key)
        if upload is None or upload.data is None:
            return _fail(404, "No such file")
        return Response(200, upload.data, upload.stored_type or "application/octet-stream")
