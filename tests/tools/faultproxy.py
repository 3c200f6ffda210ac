#!/usr/bin/python3
"""A TCP proxy that injects camera faults between vms and a camera, switchable at run time.

    from faultproxy import FaultProxy
    with FaultProxy("127.0.0.1", cam.port) as proxy:      # listens on 127.0.0.1:<proxy.port>
        url = proxy.url_for(cam.url)                      # rtsp://127.0.0.1:<proxy.port>/cam
        ...
        proxy.set_mode("stall")                           # from now on nothing passes
        proxy.stalled_at                                  # wall time of the last byte sent to a client

Modes (`set_mode(mode)` returns once the I/O thread has applied it, so no byte is forwarded
against the new mode after it returns):

- "pass":    forward both ways.
- "stall":   every socket stays open but every byte is swallowed, both ways (a frozen camera whose
             TCP stack still answers). A connection accepted while stalled is held: accepted, never
             answered, and not read, so it is served normally if the stall ends (like a SIGSTOPped
             camera's listen backlog). Leaving "stall" closes the connections that lost bytes (their
             byte streams have holes) and serves the held ones. `stalled_at` is the wall time of the
             last byte forwarded server->client before the stall.
- "drop":    RTSP over TCP: `drop_fraction` of the video frames are left out, every RTP packet
             that carries them (header and payload, chosen by RTP timestamp): frames lost on the
             way, which a receiver only sees as gaps in the timestamps (`frames_lost_whole`).
- "corrupt": RTSP over TCP: the server->client stream is parsed into interleaved frames
             (`$`, channel, 2-byte length) and RTSP text messages; the framing, the 12-byte RTP
             header and the text pass untouched, but `corrupt_fraction` of the frames of the
             channels in `corrupt_channels` (0: the first stream, video for the test camera) get
             `corrupt_bytes` random payload bytes flipped. Client->server passes untouched.
- "close":   every connection is closed and the listening socket too: new connections are refused.
             Leaving "close" listens again on the same port.

The server->client stream is always parsed (in every mode), so "corrupt" can start and stop at any
time without breaking the framing. One selector thread does all the I/O (no busy loop); `close()`
stops it and closes every socket. Counters: `connections`, `bytes_to_client`, `bytes_to_server`,
`bytes_swallowed`, `frames_seen`, `frames_corrupted`, `bytes_unframed` (0 while the framing is understood); times (epoch seconds): `last_server_byte_at`,
`last_client_byte_at`, `stalled_at`.

Run as a script for a quick self-check against tests/tools/testcam.py (needs ffprobe):
    /usr/bin/python3 tests/tools/faultproxy.py
"""

from __future__ import annotations

import errno
import random
import re
import selectors
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

MODES = ("pass", "stall", "corrupt", "drop", "close")
FORWARDING = ("pass", "corrupt", "drop")
BUFFER_LIMIT = 4 * 1024 * 1024  # pending bytes per direction before the proxy stops reading that side
RTP_HEADER = 12


class _ServerStream:
    """Streaming parser of the server->client side of RTSP over TCP: interleaved binary frames and
    RTSP text messages (header + Content-Length body). `feed()` returns the bytes to forward, with
    payload bytes flipped in the frames chosen for corruption."""

    def __init__(self, proxy: FaultProxy):
        self.proxy = proxy
        self.head = bytearray()  # an incomplete frame header or text header
        self.kind = None  # "bin" or "text" while `head` is being completed
        self.remaining = 0  # bytes of the current binary payload still to come
        self.text_remaining = 0  # bytes of the current text body still to come
        self.position = 0  # offset in the current binary payload
        self.flips: dict[int, int] = {}  # payload offset -> xor mask, for the current frame
        self.held: bytearray | None = None  # "drop" mode: the current packet, kept until complete

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        i, n = 0, len(data)
        while i < n:
            if self.remaining:
                take = min(self.remaining, n - i)
                chunk = data[i:i + take]
                if self.held is not None:
                    self.held += chunk
                    chunk = b""
                elif self.flips:
                    chunk = bytearray(chunk)
                    for offset, mask in self.flips.items():
                        if self.position <= offset < self.position + take:
                            chunk[offset - self.position] ^= mask
                out += chunk
                self.position += take
                self.remaining -= take
                i += take
                if not self.remaining:
                    if self.held is not None:
                        out += self.proxy._pass_or_drop(self.held)
                        self.held = None
                    self.flips = {}
                continue
            if self.text_remaining:
                take = min(self.text_remaining, n - i)
                out += data[i:i + take]
                self.text_remaining -= take
                i += take
                continue
            if self.kind is None:
                first = data[i]
                if first == 0x24:  # '$'
                    self.kind = "bin"
                elif 0x41 <= first <= 0x5A:  # 'A'..'Z': "RTSP/1.0 ...", or a server request
                    self.kind = "text"
                else:  # not RTSP framing: pass through up to the next '$' (resynchronise)
                    end = data.find(b"$", i)
                    end = n if end < 0 else end
                    out += data[i:end]
                    self.proxy.bytes_unframed += end - i
                    i = end
                    continue
            if self.kind == "bin":
                take = min(4 - len(self.head), n - i)
                self.head += data[i:i + take]
                i += take
                if len(self.head) == 4:
                    channel = self.head[1]
                    length = int.from_bytes(self.head[2:4], "big")
                    if self.proxy._mode == "drop" and channel in self.proxy.corrupt_channels and length:
                        self.held = bytearray(self.head)  # whole packet first: its RTP timestamp decides
                        self.proxy.frames_seen += 1
                        self.flips = {}
                    else:
                        out += self.head
                        self.flips = self.proxy._choose_flips(channel, length)
                    self.head = bytearray()
                    self.kind = None
                    self.remaining, self.position = length, 0
                continue
            # text: complete the header, then pass the body by its Content-Length
            before = len(self.head)
            self.head += data[i:]
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                i = n
                if len(self.head) > 65536:  # not RTSP after all: give up on it
                    out += self.head
                    self.proxy.bytes_unframed += len(self.head)
                    self.head = bytearray()
                    self.kind = None
                continue
            header = bytes(self.head[:end + 4])
            i += end + 4 - before
            out += header
            self.head = bytearray()
            self.kind = None
            m = re.search(rb"(?im)^content-length\s*:\s*(\d+)", header)
            self.text_remaining = int(m.group(1)) if m else 0
        return bytes(out)


class _Connection:
    def __init__(self, proxy: FaultProxy, client: socket.socket, peer):
        self.client = client
        self.peer = peer
        self.upstream: socket.socket | None = None
        self.connecting = False
        self.held = False  # accepted during a stall: not read, not connected upstream yet
        self.lost_bytes = False  # swallowed bytes during a stall
        self.upstream_closed = False
        self.to_client = bytearray()
        self.to_server = bytearray()
        self.stream = _ServerStream(proxy)


class FaultProxy:
    """Threaded TCP proxy to (target_host, target_port) on 127.0.0.1:<port> (port 0: a free one)."""

    def __init__(self, target_host: str, target_port: int, *, port: int = 0, corrupt_fraction: float = 0.2,
                 corrupt_bytes: int = 8, corrupt_channels=(0,), seed: int | None = None):
        self.target = (target_host, int(target_port))
        self.host = "127.0.0.1"
        self.corrupt_fraction = corrupt_fraction
        self.corrupt_bytes = corrupt_bytes
        self.corrupt_channels = set(corrupt_channels)
        self.rng = random.Random(seed)
        self._mode = "pass"
        self.connections = 0
        self.bytes_to_client = 0
        self.bytes_to_server = 0
        self.bytes_swallowed = 0
        self.frames_seen = 0
        self.frames_corrupted = 0
        self.frames_dropped = 0  # RTP packets left out in "drop" mode
        self.frames_lost_whole = 0  # video frames left out, every packet of them
        self._frame_choices: dict[bytes, bool] = {}
        self.drop_fraction = 0.1
        self.bytes_unframed = 0  # server->client bytes that were neither a frame nor an RTSP message
        self.last_server_byte_at: float | None = None
        self.last_client_byte_at: float | None = None
        self.stalled_at: float | None = None
        self.mode_changes: list[tuple[float, str]] = []  # (epoch seconds, mode)
        self._conns: list[_Connection] = []
        self._sel = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self.port = port
        self._listen()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, ("wake", None))
        self._commands: list[tuple[str, dict, threading.Event]] = []
        self._lock = threading.Lock()
        self._running = True
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"faultproxy-{self.port}", daemon=True)
        self._thread.start()

    # public API ---------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str):
        self.set_mode(value)

    def set_mode(self, mode: str, *, corrupt_fraction: float | None = None, corrupt_bytes: int | None = None,
                 drop_fraction: float | None = None, timeout: float = 5.0):
        """Switch mode; returns once the I/O thread has applied it."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; want one of {MODES}")
        options = {"corrupt_fraction": corrupt_fraction, "corrupt_bytes": corrupt_bytes,
                   "drop_fraction": drop_fraction}
        self._command("mode", timeout, mode=mode, **options)
        return self

    def url_for(self, url: str) -> str:
        """The URL `url` (rtsp://[user:pass@]host:port/path) rewritten to go through the proxy."""
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = (userinfo + "@" if userinfo else "") + f"{self.host}:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def open_connections(self) -> int:
        return len(self._conns)

    def close(self):
        if not self._running:
            return
        try:
            self._command("shutdown", 5.0)
        except (TimeoutError, RuntimeError):
            pass
        self._thread.join(timeout=5)
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"FaultProxy(:{self.port} -> {self.target[0]}:{self.target[1]}, mode={self._mode}, "
                f"connections={self.connections}, open={len(self._conns)}, to_client={self.bytes_to_client}, "
                f"to_server={self.bytes_to_server}, swallowed={self.bytes_swallowed}, "
                f"frames={self.frames_seen}, corrupted={self.frames_corrupted}, unframed={self.bytes_unframed})")

    # commands -----------------------------------------------------------------------------------
    def _command(self, name, timeout, **options):
        if not self._running:
            raise RuntimeError("the proxy is closed")
        done = threading.Event()
        with self._lock:
            self._commands.append((name, options, done))
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if not done.wait(timeout):
            raise TimeoutError(f"faultproxy did not apply {name!r} within {timeout} s ({self._error!r})")
        if self._error is not None:
            raise RuntimeError(f"faultproxy I/O thread failed: {self._error!r}")

    def _apply(self, name, options):
        if name == "shutdown":
            for conn in list(self._conns):
                self._drop(conn)
            self._unlisten()
            self._running = False
            return
        mode = options["mode"]
        if options.get("corrupt_fraction") is not None:
            self.corrupt_fraction = options["corrupt_fraction"]
        if options.get("corrupt_bytes") is not None:
            self.corrupt_bytes = options["corrupt_bytes"]
        if options.get("drop_fraction") is not None:
            self.drop_fraction = options["drop_fraction"]
        old, self._mode = self._mode, mode
        self.mode_changes.append((time.time(), mode))
        if mode == old:
            return
        if mode == "stall":
            self.stalled_at = self.last_server_byte_at
            for conn in self._conns:
                dropped = len(conn.to_client) + len(conn.to_server)
                if dropped:
                    conn.lost_bytes = True
                    self.bytes_swallowed += dropped
                conn.to_client.clear()
                conn.to_server.clear()
                self._update(conn)
        elif mode == "close":
            for conn in list(self._conns):
                self._drop(conn)
            self._unlisten()
        if old == "close":
            self._listen()
        if old == "stall":
            for conn in list(self._conns):
                if conn.lost_bytes or conn.upstream_closed:
                    self._drop(conn)
                elif conn.held:
                    conn.held = False
                    self._connect_upstream(conn)
                else:
                    self._update(conn)

    # sockets ------------------------------------------------------------------------------------
    def _listen(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(64)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._listener = sock
        self._sel.register(sock, selectors.EVENT_READ, ("listen", None))

    def _unlisten(self):
        if self._listener is not None:
            self._sel.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _accept(self):
        try:
            client, peer = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections += 1
        conn = _Connection(self, client, peer)
        self._conns.append(conn)
        if self._mode == "stall":
            conn.held = True  # not registered: its bytes wait in the kernel until the stall ends
        else:
            self._connect_upstream(conn)

    def _connect_upstream(self, conn: _Connection):
        up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        up.setblocking(False)
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = up.connect_ex(self.target)
        if code not in (0, errno.EINPROGRESS):
            up.close()
            self._drop(conn)  # the camera is down: the client sees its connection closed
            return
        conn.upstream = up
        conn.connecting = code != 0
        self._update(conn)

    def _update(self, conn: _Connection):
        """(Re)register both sockets with the events they should wait for now."""
        if conn.held:
            return
        forwarding = self._mode in FORWARDING
        client_events = 0
        if forwarding and len(conn.to_server) < BUFFER_LIMIT or self._mode == "stall":
            client_events |= selectors.EVENT_READ
        if conn.to_client:
            client_events |= selectors.EVENT_WRITE
        self._register(conn.client, client_events, ("client", conn))
        if conn.upstream is not None:
            up_events = 0
            if conn.connecting:
                up_events = selectors.EVENT_WRITE
            else:
                if forwarding and len(conn.to_client) < BUFFER_LIMIT or self._mode == "stall":
                    up_events |= selectors.EVENT_READ
                if conn.to_server:
                    up_events |= selectors.EVENT_WRITE
            self._register(conn.upstream, up_events, ("upstream", conn))

    def _register(self, sock, events, data):
        try:
            key = self._sel.get_key(sock)
        except KeyError:
            key = None
        if events == 0:
            if key is not None:
                self._sel.unregister(sock)
        elif key is None:
            self._sel.register(sock, events, data)
        elif key.events != events:
            self._sel.modify(sock, events, data)

    def _close_socket(self, sock):
        if sock is None:
            return
        try:
            self._sel.unregister(sock)
        except (KeyError, ValueError):
            pass
        try:
            sock.close()
        except OSError:
            pass

    def _drop(self, conn: _Connection):
        self._close_socket(conn.client)
        self._close_socket(conn.upstream)
        conn.upstream = None
        if conn in self._conns:
            self._conns.remove(conn)

    def _close_upstream(self, conn: _Connection):
        self._close_socket(conn.upstream)
        conn.upstream = None
        conn.upstream_closed = True

    # corruption ---------------------------------------------------------------------------------
    def _pass_or_drop(self, packet: bytearray) -> bytes:
        """"drop" mode: the interleaved packet (`$`, channel, length, RTP) to forward, or nothing.
        The choice is made once per RTP timestamp, so a video frame is lost whole, with every packet
        that carries it (as a receiver on a lossy link sees a frame that never came)."""
        if len(packet) < 4 + RTP_HEADER:
            return bytes(packet)
        timestamp = bytes(packet[8:12])
        if timestamp not in self._frame_choices:
            if len(self._frame_choices) > 10000:
                self._frame_choices.clear()
            dropped = self.rng.random() < self.drop_fraction
            self._frame_choices[timestamp] = dropped
            if dropped:
                self.frames_lost_whole += 1
        if self._frame_choices[timestamp]:
            self.frames_dropped += 1
            return b""
        return bytes(packet)

    def _choose_flips(self, channel: int, length: int) -> dict[int, int]:
        if channel in self.corrupt_channels:
            self.frames_seen += 1
        if (self._mode != "corrupt" or channel not in self.corrupt_channels or length <= RTP_HEADER
                or self.rng.random() >= self.corrupt_fraction):
            return {}
        self.frames_corrupted += 1
        count = min(self.corrupt_bytes, length - RTP_HEADER)
        offsets = self.rng.sample(range(RTP_HEADER, length), count)
        return {offset: self.rng.randrange(1, 256) for offset in offsets}

    # I/O loop -----------------------------------------------------------------------------------
    def _run(self):
        try:
            while self._running:
                for key, events in self._sel.select(timeout=1.0):
                    kind, conn = key.data
                    if kind == "wake":
                        self._drain_commands()
                    elif kind == "listen":
                        if self._listener is not None:
                            self._accept()
                    elif conn in self._conns:
                        self._service(kind, conn, key.fileobj, events)
                    if not self._running:
                        break
        except BaseException as error:  # reported by the next set_mode()/close()
            self._error = error
            with self._lock:
                for _, _, done in self._commands:
                    done.set()
            raise
        finally:
            for conn in list(self._conns):
                self._drop(conn)
            self._unlisten()
            self._sel.close()
            self._running = False

    def _drain_commands(self):
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        with self._lock:
            commands, self._commands = self._commands, []
        for name, options, done in commands:
            try:
                self._apply(name, options)
            finally:
                done.set()

    def _service(self, kind, conn: _Connection, sock, events):
        if kind == "upstream" and conn.connecting:
            if events & selectors.EVENT_WRITE:
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code != 0:
                    self._drop(conn)
                    return
                conn.connecting = False
                self._update(conn)
            return
        if events & selectors.EVENT_READ:
            if not self._read(kind, conn, sock):
                return
        if events & selectors.EVENT_WRITE and conn in self._conns:
            self._write(kind, conn, sock)
        if conn in self._conns:
            self._update(conn)

    def _read(self, kind, conn: _Connection, sock) -> bool:
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            data = b""
        if not data:  # end of stream
            if kind == "client":
                self._drop(conn)
                return False
            if self._mode == "stall":  # a frozen camera never hangs up: keep the client waiting
                self._close_upstream(conn)
                return True
            self._close_upstream(conn)
            if not conn.to_client:
                self._drop(conn)
                return False
            return True
        if self._mode == "stall":
            self.bytes_swallowed += len(data)
            conn.lost_bytes = True
            if kind == "upstream":
                conn.stream.feed(data)  # keep the framing known (nothing is forwarded)
            return True
        if kind == "client":
            self.last_client_byte_at = time.time()
            conn.to_server += data
        else:
            conn.to_client += conn.stream.feed(data)
        return True

    def _write(self, kind, conn: _Connection, sock):
        buffer = conn.to_client if kind == "client" else conn.to_server
        if not buffer or self._mode not in FORWARDING:
            return
        try:
            sent = sock.send(buffer)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        del buffer[:sent]
        if kind == "client":
            self.bytes_to_client += sent
            if sent:
                self.last_server_byte_at = time.time()
            if conn.upstream_closed and not buffer:
                self._drop(conn)
        else:
            self.bytes_to_server += sent


def rtsp_target(url: str) -> tuple[str, int]:
    """(host, port) of an rtsp:// URL (port 554 when absent)."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 554


# ---------------------------------------------------------------------------------------------
# self-check


def _self_check():
    """ffprobe through the proxy in pass mode; a client gets nothing while stalled; refused when closed.
    (tests/test_faults.py::test_faultproxy_modes checks every mode more thoroughly.)"""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import vmstest

    def probe(url):
        return subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
                               "stream=codec_name,width,height", "-of", "csv=p=0", url],
                              capture_output=True, text=True, timeout=30)

    with tempfile.TemporaryDirectory() as tmp:
        cam = vmstest.TestCam(Path(tmp), "selfcheck", width=320, height=180, fps=10, gop=10).start()
        try:
            with FaultProxy(*rtsp_target(cam.url), seed=1) as proxy:
                out = probe(proxy.url_for(cam.url))
                print("pass:", out.returncode, out.stdout.strip(), out.stderr.strip()[:200], proxy)
                assert out.returncode == 0 and "h264,320,180" in out.stdout, out
                proxy.set_mode("close")
                out = probe(proxy.url_for(cam.url))
                print("close:", out.returncode, out.stderr.strip()[:200])
                assert out.returncode != 0
                proxy.set_mode("pass")
                assert probe(proxy.url_for(cam.url)).returncode == 0
                print(proxy)
        finally:
            cam.close()
    print("faultproxy self-check ok")


if __name__ == "__main__":
    _self_check()
