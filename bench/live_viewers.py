"""Live video viewers for the bench: K WebSocket players of one camera's main stream
(`GET /api/v1/cameras/{id}/live?stream=main`, docs/api.md "live"), each on its own thread, that
read every message and acknowledge each fragment as a player appending it at once would. They count
the fragments (frames) they receive, so the harness can set each viewer's frame rate against the
camera's, and the skips the server told them of.

Standalone (enough of RFC 6455 for a server that sends unmasked frames); imports nothing of the bench.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time


class LiveViewer:
    def __init__(self, port, camera_id, user, password, stream="main"):
        self.frames = 0
        self.bytes = 0
        self.skips = 0
        self.error = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.sock.sendall(
            (f"GET /api/v1/cameras/{camera_id}/live?stream={stream} HTTP/1.1\r\n"
             f"Host: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
             f"Authorization: Basic {auth}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("live viewer: connection closed during the handshake")
            head += chunk
        head, _, self.buf = head.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status + " ":
            raise RuntimeError(f"live viewer: upgrade refused: {status}")
        self.sock.settimeout(0.5)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def counts(self):
        """(fragments received, skips told) so far."""
        with self._lock:
            return self.frames, self.skips

    def _recv_exact(self, n):
        while len(self.buf) < n:
            if self._stop.is_set():
                raise EOFError
            try:
                chunk = self.sock.recv(262144)
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
        appended = 0
        try:
            while not self._stop.is_set():
                b0, b1 = self._recv_exact(2)
                opcode, length = b0 & 0x0F, b1 & 0x7F
                if length == 126:
                    length = int.from_bytes(self._recv_exact(2), "big")
                elif length == 127:
                    length = int.from_bytes(self._recv_exact(8), "big")
                payload = self._recv_exact(length)
                if opcode == 0x9:
                    self._send(0xA, payload)
                elif opcode == 0x8:
                    return
                elif opcode == 0x2 and payload[4:8] == b"moof":
                    appended += len(payload)
                    with self._lock:
                        self.frames += 1
                        self.bytes += len(payload)
                    self._send(0x1, json.dumps({"type": "ack", "bytes": appended}).encode())
                elif opcode == 0x1:
                    message = json.loads(payload.decode())
                    if message.get("type") == "stream":
                        appended = 0  # a new stream: the count starts again after its init segment
                    elif message.get("type") == "skip":
                        with self._lock:
                            self.skips = message.get("skips", self.skips)
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
        self._thread.join(timeout=3)
        self.sock.close()


def open_viewers(k, port, camera_id, user, password):
    return [LiveViewer(port, camera_id, user, password) for _ in range(k)]


def counts(viewers):
    return [v.counts() for v in viewers]


def wait_started(viewers, timeout=10.0):
    """Until every viewer has its first fragment (the newest keyframe's burst comes at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(v.counts()[0] > 0 for v in viewers):
            return True
        time.sleep(0.1)
    return False
