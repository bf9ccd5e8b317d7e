"""A strict multipart/form-data reader for storage uploads (RFC 7578).

Parts are split on the exact `CRLF--boundary` delimiter, so binary file content comes back
byte for byte; each part's headers are read with the standard library's email parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import HTTP


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def boundary_of(content_type: str) -> str:
    """The boundary of a `multipart/form-data` Content-Type; ValueError for anything else."""
    header = Message()
    header["Content-Type"] = content_type
    boundary = header.get_boundary()
    if header.get_content_type() != "multipart/form-data" or not boundary:
        raise ValueError("Content-Type must be multipart/form-data with a boundary")
    return boundary


def _part(raw: bytes) -> Part:
    head, sep, data = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("a form part has no header/body separator")
    headers = BytesHeaderParser(policy=HTTP).parsebytes(head + b"\r\n\r\n")
    name = headers.get_param("name", header="content-disposition")
    if not isinstance(name, str) or not name:
        raise ValueError("a form part has no Content-Disposition name")
    content_type = headers.get_content_type() if headers.get("Content-Type") else None
    return Part(name, headers.get_filename(), content_type, data)


def parse(body: bytes, content_type: str) -> list[Part]:
    """The parts of a form body, in order."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    start = body.find(delimiter)
    if start < 0 or (start > 0 and body[start - 2 : start] != b"\r\n"):
        raise ValueError("the body does not start with the boundary")
    parts: list[Part] = []
    position = start + len(delimiter)
    while True:
        if body[position : position + 2] == b"--":
            return parts
        if body[position : position + 2] != b"\r\n":
            raise ValueError("malformed boundary line")
        position += 2
        end = body.find(b"\r\n" + delimiter, position)
        if end < 0:
            raise ValueError("the body has no closing boundary")
        parts.append(_part(body[position:end]))
        position = end + 2 + len(delimiter)
