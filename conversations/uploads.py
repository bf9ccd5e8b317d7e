"""Attachments for replies go to the platform's media storage; the desk keeps only the URL."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import formats
from django.utils.translation import gettext as _

from fromni.errors import FromniError, FromniValueError
from fromni.methods import MEDIA_MAX_BYTES
from operator_desk.errors import DeskError, Invalid
from operator_desk.platform import platform_client


class PlatformUnavailable(DeskError):
    status, code = 502, "platform_error"


def attachment_upload(*, upload: UploadedFile | None) -> dict[str, Any]:
    if upload is None:
        raise Invalid(_("Send the file in a multipart field named 'file'."))
    if not upload.size:
        # The platform would store it and the contact would get a file that opens as nothing.
        raise Invalid(
            _("%(name)s is empty (0 bytes): there is nothing to send.")
            % {"name": upload.name or _("The file")}
        )
    if upload.size > MEDIA_MAX_BYTES:
        raise Invalid(
            _("%(name)s is %(size)s MB; the platform takes at most %(most)s MB per file.")
            % {
                "name": upload.name,
                "size": formats.number_format(upload.size / 1048576, 1),
                "most": MEDIA_MAX_BYTES // 1048576,
            }
        )
    try:
        url = platform_client().upload_media(
            upload.name, upload.read(), content_type=upload.content_type or None
        )
    except FromniValueError as error:
        raise Invalid(str(error)) from None
    except FromniError as error:
        raise PlatformUnavailable(
            _("The platform did not take the file: %(error)s") % {"error": error}
        ) from None
    return {"url": url, "name": upload.name, "type": upload.content_type or "", "size": upload.size}
