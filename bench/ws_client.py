"""The bench's WebSocket client: enough of RFC 6455 to talk to vms (handshake with Basic
credentials, frames in, masked frames out), shared by the motion watcher (systems.EventWatcher, on
/api/v1/events) and the live viewers (live_viewers.LiveViewer, on /api/v1/cameras/ID/live).

A subclass implements `_on_frame(opcode, final, payload)`; frames are read on a daemon thread
started by `start()`, pings are answered, a close frame ends it. Errors are kept in `error` (the
bench reports them; they are never fatal)."""

from __future__ import annotations

import base64
import os
import socket
import struct
import threading


class WebSocketClient:
    def __init__(self, port, path, user, password, origin=False, read_bytes=65536):
        self.error = None
        self._stop = threading.Event()
        self._read_bytes = read_bytes
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        origin_line = f"Origin: http://127.0.0.1:{port}\r\n" if origin else ""
        self.sock.sendall(
            (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{origin_line}Upgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
             f"Authorization: Basic {auth}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError(f"WebSocket {path}: connection closed during the handshake")
            head += chunk
        head, _, self.buf = head.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status + " ":
            raise RuntimeError(f"WebSocket {path}: upgrade refused: {status}")
        self.sock.settimeout(0.5)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _on_frame(self, opcode, final, payload):
        raise NotImplementedError

    def _recv_exact(self, n):
        while len(self.buf) < n:
            if self._stop.is_set():
                raise EOFError
            try:
                chunk = self.sock.recv(self._read_bytes)
            except socket.timeout:
                continue
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, opcode, payload=b""):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def _run(self):
        try:
            while not self._stop.is_set():
                b0, b1 = self._recv_exact(2)
                opcode, length = b0 & 0x0F, b1 & 0x7F
                if length == 126:
                    length = int.from_bytes(self._recv_exact(2), "big")
                elif length == 127:
                    length = int.from_bytes(self._recv_exact(8), "big")
                mask = self._recv_exact(4) if b1 & 0x80 else None
                payload = self._recv_exact(length)
                if mask:
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                if opcode == 0x9:
                    self._send(0xA, payload)
                elif opcode == 0x8:
                    return
                else:
                    self._on_frame(opcode, bool(b0 & 0x80), payload)
        except EOFError:
            pass
        except Exception as error:  # reported in the results, never fatal
            self.error = repr(error)

    def close(self):
        self._stop.set()
        try:
            self._send(0x8, b"\x03\xe8")
        except OSError:
            pass
        if self._thread.is_alive():
            self._thread.join(timeout=3)
        self.sock.close()
