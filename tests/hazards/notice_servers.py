"""A tiny SMTP server and a tiny webhook receiver on loopback that a test stops and starts again on the same
port: the mail server and the SMS gateway going down and coming back."""

from __future__ import annotations

import http.server
import socketserver
import threading
from typing import Any


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    server: _SMTPServer

    def _reply(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def handle(self) -> None:
        self._reply(b"220 localhost test mail server")
        recipients: list[str] = []
        data: list[bytes] | None = None
        while line := self.rfile.readline():
            if data is not None:
                if line.rstrip(b"\r\n") == b".":
                    self.server.received.append((recipients, b"".join(data)))
                    recipients, data = [], None
                    self._reply(b"250 OK")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb in {b"EHLO", b"HELO"}:
                self._reply(b"250 localhost")
            elif verb == b"RCPT":
                recipients.append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
                self._reply(b"250 OK")
            elif verb == b"DATA":
                data = []
                self._reply(b"354 End data with <CR><LF>.<CR><LF>")
            elif verb == b"QUIT":
                self._reply(b"221 Bye")
                return
            else:  # MAIL, RSET, NOOP
                self._reply(b"250 OK")


class _SMTPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    received: list[tuple[list[str], bytes]]


class _HookHandler(http.server.BaseHTTPRequestHandler):
    server: _HookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.received.append((self.path, dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


class _HookServer(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    received: list[tuple[str, dict[str, str], bytes]]


class Switchable:
    """A server on a fixed loopback port that can be taken down and brought back; what it received stays."""

    def __init__(self, server_class: Any, handler: Any) -> None:
        self.server_class, self.handler = server_class, handler
        self.received: list[Any] = []
        self.port = 0
        self._server: Any = None
        self.port = self.start().server_address[1]

    def start(self) -> Any:
        self._server = self.server_class(("127.0.0.1", self.port), self.handler)
        self._server.received = self.received
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self._server

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def smtp_server() -> Switchable:
    return Switchable(_SMTPServer, _SMTPHandler)


def hook_server() -> Switchable:
    return Switchable(_HookServer, _HookHandler)
