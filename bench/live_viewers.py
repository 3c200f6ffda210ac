"""Live video viewers for the bench: K WebSocket players of one camera's main stream
(`GET /api/v1/cameras/{id}/live?stream=main`, docs/api.md "live"), each on its own thread, that
read every message and acknowledge the fragments as the web UI's player does (js/live-player.js: the
running byte count, at most every ACK_EVERY_S). They count
the fragments (frames) they receive, so the harness can set each viewer's frame rate against the
camera's, and the skips the server told them of.

The WebSocket itself is ws_client.py's.
"""

from __future__ import annotations

import json
import threading
import time

from ws_client import WebSocketClient


# The player's pace of acknowledgements (ACK_EVERY_MS in js/live-player.js).
ACK_EVERY_S = 0.1


class LiveViewer(WebSocketClient):
    def __init__(self, port, camera_id, user, password, stream="main"):
        self.frames = 0
        self.bytes = 0
        self.skips = 0
        self._appended = 0
        self._acked_at = 0.0
        self._lock = threading.Lock()
        super().__init__(port, f"/api/v1/cameras/{camera_id}/live?stream={stream}", user, password,
                         origin=True, read_bytes=262144)
        self.start()

    def counts(self):
        """(fragments received, skips told) so far."""
        with self._lock:
            return self.frames, self.skips

    def _on_frame(self, opcode, final, payload):
        if opcode == 0x2 and payload[4:8] == b"moof":
            self._appended += len(payload)
            with self._lock:
                self.frames += 1
                self.bytes += len(payload)
            now = time.monotonic()
            if now - self._acked_at >= ACK_EVERY_S:
                self._acked_at = now
                self._send(0x1, json.dumps({"type": "ack", "bytes": self._appended}).encode())
        elif opcode == 0x1:
            message = json.loads(payload.decode())
            if message.get("type") == "stream":
                self._appended = 0  # a new stream: the count starts again after its init segment
            elif message.get("type") == "skip":
                with self._lock:
                    self.skips = message.get("skips", self.skips)


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
