"""storage/upload: parameters for uploading one file to the media storage."""

from __future__ import annotations

from typing import Any

from .. import storage
from .base import ApiError, Call, Handler


def storage_upload(call: Call) -> dict[str, Any]:
    args = call.args
    filename, content_type = args["filename"], args.get("contentType")
    if not isinstance(filename, str) or "." not in filename.strip(".").rsplit("/", 1)[-1]:
        raise ApiError("Field 'filename' must have an extension")
    if content_type is not None and not isinstance(content_type, str):
        raise ApiError("Field 'contentType' must be a string")
    return storage.issue(call.sb, call.state, call.base_url, filename, content_type)


HANDLERS: dict[str, Handler] = {"storage_upload": storage_upload}
