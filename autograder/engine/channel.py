"""Newline-delimited JSON from a worker, read with deadlines; whatever arrives is only data."""
from __future__ import annotations

import select
import socket
import time

from ..core import wire

MAX_LINE = 256 * 1024 * 1024           # bytes of one message before the worker counts as broken


class Timeout(Exception):
    pass


class Closed(Exception):
    """The worker ended or broke the protocol; args[0], when given, is its exit message."""


class Channel:
    def __init__(self, sock: socket.socket):
        self.sock, self.buf, self.calling = sock, bytearray(), None

    def send(self, message: dict) -> None:
        self.sock.sendall(wire.dumps(message).encode() + b"\n")

    def next(self, seconds: float) -> dict:
        """The next message; {"calling": name} messages only update .calling (the function running)."""
        deadline = time.monotonic() + seconds
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = bytes(self.buf[:i]), self.buf[i + 1:]
                try:
                    msg = wire.loads(line.decode("utf-8"))
                except ValueError:
                    msg = {"garbage": line[:200].decode("utf-8", "replace")}
                if not isinstance(msg, dict):
                    return {"garbage": str(msg)[:200]}
                if set(msg) == {"calling"}:
                    self.calling = str(msg["calling"])[:100]
                    continue
                return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                raise Timeout()
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise Closed()
            if len(self.buf) + len(chunk) > MAX_LINE:
                raise Closed()
            self.buf += chunk

    def exit_message(self, seconds: float) -> dict | None:
        """The worker's last word (how its process ended, what it printed), if it comes within `seconds`."""
        try:
            while True:
                msg = self.next(seconds)
                if "exit" in msg:
                    return msg
        except (Timeout, Closed, OSError):
            return None
