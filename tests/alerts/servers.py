"""Local fake servers for delivery tests: a MAX bot API and an SMTP server (stdlib only).

Both listen on 127.0.0.1 on a random port in a thread and record what they receive;
nothing leaves the machine.
"""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict
    headers: dict
    body: dict
    at: float


@dataclass
class FakeMaxApi:
    """Answers POST /messages with the scripted (status, headers) in turn, then 200."""

    script: list[tuple[int, dict]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self):
        api = self
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                with api._lock:
                    api.received.append(
                        Received(
                            path=parts.path,
                            query=parse_qs(parts.query),
                            headers=dict(self.headers),
                            body=json.loads(raw or b"{}"),
                            at=time.monotonic(),
                        )
                    )
                    status, headers = api.script.pop(0) if api.script else (200, {})
                payload = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # a short poll interval: shutdown() waits up to one interval (0.5 s by default)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, QUIT."""

    def reply(self, line: str):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 fake smtp")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-fake")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 fake")
            elif verb == "MAIL":
                sender, recipients = command[10:].strip("<> "), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:].strip("<> "))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                chunks = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    chunks.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(chunks), policy=email.policy.default)
                self.server.messages.append((sender, recipients, message))
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class FakeSmtp:
    def __init__(self):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.daemon_threads = True
        self.server.messages = []
        self.port = self.server.server_address[1]
        # a short poll interval: shutdown() waits up to one interval (0.5 s by default)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def messages(self):
        return self.server.messages

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
