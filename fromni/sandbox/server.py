"""HTTP plumbing: a threaded HTTP/1.1 keep-alive server that routes to the API, the control
API and the media storage. Every answer carries Content-Length so connections can be reused."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from fromni.methods import MEDIA_MAX_BYTES

from . import api, control, storage
from .app import Sandbox
from .responses import Response, api_error, control_error

log = logging.getLogger(__name__)

# Room for the form fields around an upload's file: a body bigger than the file limit plus
# this cannot hold an acceptable file, so it is refused without parsing.
FORM_OVERHEAD_BYTES = 256 * 1024
# Nothing else the sandbox takes comes near this.
MAX_BODY_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class SandboxServer(ThreadingHTTPServer):
    # Connection threads must not keep the process alive on shutdown.
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, sandbox: Sandbox, host: str, port: int) -> None:
        self.sandbox = sandbox
        super().__init__((host, port), SandboxRequestHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FromniSandbox/1.0"
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client
    # waits for the delayed ACK (~40 ms) before it sees the body.
    disable_nagle_algorithm = True
    # An idle keep-alive connection is closed after this many seconds.
    timeout = 120
    server: SandboxServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # --- request ------------------------------------------------------------------------------

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            self._discard(length)
            raise BodyTooLarge
        return self.rfile.read(length) if length else b""

    def _read_chunked(self, limit: int) -> bytes:
        body = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            body += self.rfile.read(size)
            self.rfile.readline()
            if len(body) > limit:
                raise BodyTooLarge

    def _discard(self, length: int) -> None:
        # Read what the client sends anyway, so it gets our answer instead of a reset.
        while length > 0:
            chunk = self.rfile.read(min(_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)

    def _base_url(self) -> str:
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.server.base_url

    # --- routing ------------------------------------------------------------------------------

    def _dispatch(self, verb: str) -> None:
        sb = self.server.sandbox
        path = urlsplit(self.path).path
        is_upload = path == storage.UPLOAD_PATH
        limit = MEDIA_MAX_BYTES + FORM_OVERHEAD_BYTES if is_upload else MAX_BODY_BYTES
        try:
            raw = self._read_body(limit)
        except BodyTooLarge:
            self.close_connection = True
            self._write(storage.too_large() if is_upload else api_error(413, "Body too large"))
            return
        except (ValueError, OSError):
            self.close_connection = True
            return
        try:
            response = self._route(sb, verb, path, raw)
        except Exception:
            log.exception("sandbox request %s %s failed", verb, path)
            response = api_error(500, "Internal error")
        self._write(response)

    def _route(self, sb: Sandbox, verb: str, path: str, raw: bytes) -> Response:
        if path.startswith(api.PREFIX):
            if verb != "POST":
                return api_error(405, "Every API method is a POST")
            return api.handle(sb, path, self.headers.get("Authorization"), raw, self._base_url())
        if path.startswith(control.PREFIX):
            return control.handle(sb, verb, path, raw)
        if is_upload_route(verb, path):
            return storage.receive(sb, self.headers.get("Content-Type", ""), raw)
        if verb == "GET" and path.startswith(storage.MEDIA_PREFIX):
            return storage.serve(sb, path)
        return control_error(404, f"Nothing at {path}")

    # --- answer -------------------------------------------------------------------------------

    def _write(self, response: Response) -> None:
        if response.drop:
            # The `drop` fault: no status line at all, the connection just ends.
            self.close_connection = True
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout during a `timeout` fault).
            self.close_connection = True


def is_upload_route(verb: str, path: str) -> bool:
    return verb == "POST" and path == storage.UPLOAD_PATH
