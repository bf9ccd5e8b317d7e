"""A TCP forwarder the tests can switch off (a platform that refuses connections), or make lose
answers (a network that drops a response after the other side acted on the request)."""

from __future__ import annotations

import contextlib
import socket
import threading


class Outage:
    """Forwards 127.0.0.1:port to a target; `down()` closes the port (connections are refused
    and open ones are cut), `up()` opens it again on the same port. `lose_answers(n)`: the next
    n answers of the target are dropped and their connection cut, so the caller never learns
    that its request was handled (as when the desk's 200 to a callback is lost on the way)."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._answers_to_lose = 0
        self.answers_lost = 0
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            # shutdown() first: close() alone does not wake a thread blocked in accept(), and
            # the kernel would go on accepting.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def lose_answers(self, count: int) -> None:
        with self._lock:
            self._answers_to_lose = count

    def _lose_this_answer(self) -> bool:
        with self._lock:
            if self._answers_to_lose <= 0:
                return False
            self._answers_to_lose -= 1
            self.answers_lost += 1
            return True

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                # down() may have run since accept(): this connection must not outlive it.
                cut = self._listener is not listener
                if not cut:
                    self._connections += [client, upstream]
            if cut:
                client.close()
                upstream.close()
                return
            for source, sink, answers in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(
                    target=self._pipe, args=(source, sink, answers), daemon=True
                ).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        try:
            while data := source.recv(65536):
                if answers and self._lose_this_answer():
                    break  # the answer is dropped; both ends are cut below
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
