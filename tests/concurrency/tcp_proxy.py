"""A small TCP proxy the fault tests put between the service and PostgreSQL.

`stop()` cuts the database off: it closes every proxied connection and the listening
socket, so new connections are refused. `start()` listens again on the same port, so the
service, which knows only the proxy's address, can reconnect by itself. `blackhole()`
models a database host that accepts connections but never answers: existing connections
are closed, new ones are accepted and then left silent. `freeze()` models a server (or a
middlebox) that hangs with every socket open: bytes sent either way are swallowed, new
connections are accepted and left silent. `resume()` forwards again after either.

Threads, not asyncio: one acceptor, and two pumps per connection.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.mode = "down"
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- control -----------------------------------------------------------------------

    def start(self) -> None:
        """Listen (on the same port as before, if there was one) and forward."""
        assert self._listener is None, "already listening"
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self.mode = "up"
        self._stopping.clear()
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def stop(self) -> None:
        """Refuse new connections and close every open one, both sides."""
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
            self._acceptor = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self.mode = "down"
        self._close_all()

    def blackhole(self) -> None:
        """Close every open connection; accept new ones but never answer them."""
        self.mode = "blackhole"
        self._close_all()

    def freeze(self) -> None:
        """Keep every connection open but forward nothing, either way."""
        self.mode = "frozen"

    def resume(self) -> None:
        """Forward again after `blackhole()` or `freeze()` (silent ones stay silent)."""
        self.mode = "up"

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._sockets)

    # -- plumbing ------------------------------------------------------------------------

    def _close_all(self) -> None:
        with self._lock:
            doomed = list(self._sockets)
            self._sockets.clear()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._stopping.is_set():
                if not selector.select(timeout=0.05):
                    continue
                try:
                    client, _ = self._listener.accept()
                except OSError:
                    continue
                self.accepted += 1
                self._track(client)
                if self.mode != "up":
                    continue  # held open and silent until the next stop() or blackhole()
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    client.close()
                    continue
                server.settimeout(None)
                self._track(server)
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if self.mode == "frozen":
                    continue  # swallowed: the other side waits for an answer
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
