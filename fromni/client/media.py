"""Media storage: upload parameters from the API, then the file itself to the storage host."""

from __future__ import annotations

import io
import mimetypes
from typing import Any, BinaryIO

import requests

from ..errors import FromniAPIError, FromniValueError
from ..methods import MEDIA_MAX_BYTES
from ..models import UploadParams
from . import bodies
from .answers import Answers
from .transport import error_message, json_or_none


class MediaMethods(Answers):
    def storage_upload(self, filename: str, *, content_type: str | None = None) -> UploadParams:
        """Upload parameters for one file (see upload_media, which also does the upload)."""
        if "." not in filename.rsplit("/", 1)[-1].strip("."):
            # The reference: "The file name must have the extension".
            raise FromniValueError(
                f"the file name {filename!r} has no extension", method="storage_upload"
            )
        body = bodies.compact({"contentType": content_type, "filename": filename})
        return self._one("storage_upload", body, UploadParams)

    def upload_media(
        self, filename: str, content: bytes | BinaryIO, content_type: str | None = None
    ) -> str:
        """Upload one file to the media storage and return its `mediaUrl` for attachments.

        The size is checked before anything is sent: the platform refuses files over
        MEDIA_MAX_BYTES, and upload parameters asked for a file that cannot be uploaded would
        be wasted. Then storage_upload (retried like any read) and upload_to_storage.
        """
        payload = _checked_payload(filename, content)
        content_type = content_type or _guess_type(filename)
        params = self.storage_upload(filename, content_type=content_type)
        return self.upload_to_storage(params, filename, payload, content_type)

    def upload_to_storage(
        self,
        params: UploadParams,
        filename: str,
        content: bytes | BinaryIO,
        content_type: str | None = None,
    ) -> str:
        """POST the file to `params.url` as multipart/form-data: every field of `params.fields`
        in the given order, then the `file` part LAST (the storage ignores anything after the
        file). Returns `params.media_url`; raises FromniAPIError when the storage refuses.

        Not retried: parameters are single-use, so a second POST after an unclear failure
        would be refused anyway; call upload_media again for fresh parameters.
        """
        payload = _checked_payload(filename, content)
        content_type = content_type or _guess_type(filename)
        parts: list[tuple[str, Any]] = [(k, (None, str(v))) for k, v in params.fields.items()]
        parts.append(("file", (filename, payload, content_type)))
        try:
            # No Authorization header: the storage is another host (S3 in production) and must
            # never see the API token; the signed fields are its credentials.
            response = self.session.post(params.url, files=parts, timeout=self.timeout)
        except requests.RequestException as exc:
            raise self._transport_error("upload_media", exc) from exc
        if not 200 <= response.status_code < 300:
            text = response.content.decode("utf-8", errors="replace")
            raise FromniAPIError(
                error_message(json_or_none(text), text),
                method="upload_media",
                status=response.status_code,
                body=text,
            )
        return params.media_url


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _checked_payload(filename: str, content: bytes | BinaryIO) -> bytes:
    """The file's bytes, or FromniValueError when it is over MEDIA_MAX_BYTES. A stream is read
    at most one byte past the limit, so an oversized one is refused without reading it all."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        size = memoryview(content).nbytes
        too_big = f"{size} bytes"
    else:
        if isinstance(content, io.TextIOBase):
            raise FromniValueError("open the file in binary mode", method="upload_media")
        data = content.read(MEDIA_MAX_BYTES + 1)
        if not isinstance(data, bytes):
            raise FromniValueError("the stream did not return bytes", method="upload_media")
        size, too_big = len(data), f"over {MEDIA_MAX_BYTES} bytes"
    if size > MEDIA_MAX_BYTES:
        raise FromniValueError(
            f"{filename!r} is {too_big}; the limit is {MEDIA_MAX_BYTES} bytes "
            f"({MEDIA_MAX_BYTES // (1024 * 1024)} MB)",
            method="upload_media",
        )
    return bytes(content) if isinstance(content, (bytes, bytearray, memoryview)) else data
