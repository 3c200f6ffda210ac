"""Helpers for the end-to-end tests: test cameras, fake peers, a running `vms serve`, the clip index
and media probes. Everything here talks to real processes over real sockets; nothing is mocked.

Waiting is always done by polling with short intervals against a deadline (`wait_until`), never by
fixed sleeps, so a fast machine is not slowed down and a slow one gets a clear message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import selectors
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
TESTCAM = TESTS_DIR / "tools" / "testcam.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python: the one that can import gi (GStreamer)
ARTIFACTS_DIR = TESTS_DIR / "artifacts"

# bcrypt (cost 4, fast for tests) of "test-password", made with libxcrypt. User "admin".
TEST_USER = "admin"
TEST_PASSWORD = "test-password"
TEST_PASSWORD_HASH = "$2b$04$NFEQeFBLtMQnyo7Z/uVHTeusaZdiCQzDUng5Paiul4ye3t6Q2frDK"


def vms_binary() -> Path:
    """The binary under test: $VMS_BIN, else .build/debug/vms of this repository."""
    value = os.environ.get("VMS_BIN", str(REPO_ROOT / ".build" / "debug" / "vms"))
    path = Path(value)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


# ---------------------------------------------------------------------------------------------
# waiting


class Timeout(AssertionError):
    pass


def wait_until(predicate, timeout, what, interval=0.2, details=None):
    """Poll `predicate` until it returns a truthy value (returned) or `timeout` seconds pass
    (AssertionError naming `what`, the last value and `details()` when given)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            extra = ""
            if details is not None:
                try:
                    extra = "\n" + str(details())
                except Exception as error:  # details are best effort
                    extra = f"\n(details unavailable: {error})"
            raise Timeout(f"timed out after {timeout:.0f}s waiting for {what}; last value: {last!r}{extra}")
        time.sleep(interval)


def sleep_until(epoch_seconds):
    """Sleep until a wall-clock instant (used only to wait for a scheduled event of a test camera)."""
    while True:
        left = epoch_seconds - time.time()
        if left <= 0:
            return
        time.sleep(min(left, 0.5))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=40) -> str:
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


def _stop_process(proc: subprocess.Popen, timeout=5.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------------------------
# test cameras


class TestCam:
    """One tests/tools/testcam.py process. `restart()` brings it back on the same port with the same
    schedule origin, so an outage does not shift the motion schedule."""

    __test__ = False  # not a pytest class

    def __init__(self, workdir: Path, name: str, **options):
        self.workdir = workdir
        self.name = name
        self.options = dict(options)
        self.proc: subprocess.Popen | None = None
        self.port = int(self.options.pop("port", 0))
        self.origin: float | None = self.options.pop("origin", None)
        self.url = None
        self.starts = 0
        self.motion_events: list[tuple[float, float]] = []  # (epoch start, duration) from SIGUSR1

    @property
    def fps(self):
        return int(self.options.get("fps", 15))

    @property
    def gop(self):
        return int(self.options.get("gop", 30))

    @property
    def width(self):
        return int(self.options.get("width", 640))

    @property
    def height(self):
        return int(self.options.get("height", 360))

    @property
    def gop_seconds(self):
        return self.gop / self.fps

    def url_with(self, user, password):
        return self.url.replace("rtsp://", f"rtsp://{user}:{password}@", 1)

    def start(self, timeout=15.0):
        assert self.proc is None or self.proc.poll() is not None, "camera already running"
        argv = [SYSTEM_PYTHON, str(TESTCAM), "--port", str(self.port)]
        if self.origin is not None:
            argv += ["--origin", f"{self.origin:.3f}"]
        for key, value in self.options.items():
            if value is None or value is False:
                continue
            argv += [f"--{key.replace('_', '-')}", str(value)]
        self.starts += 1
        self.stderr_path = self.workdir / f"testcam-{self.name}-{self.starts}.stderr"
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=open(self.stderr_path, "wb"),
            stdin=subprocess.DEVNULL,
            text=True,
        )
        line = self._read_line(timeout)
        m = re.fullmatch(r"READY (rtsp://[^ ]+:(\d+)(/\S*)) ([0-9.]+)", line or "")
        if not m:
            self.kill()
            raise AssertionError(
                f"testcam {self.name} did not start (got {line!r}):\n{tail(self.stderr_path)}"
            )
        self.url = m.group(1)
        self.port = int(m.group(2))
        self.origin = float(m.group(4))
        with open(self.workdir / f"testcam-{self.name}.log", "a") as log:
            log.write(f"{time.time():.3f} start #{self.starts}: {line} argv={argv}\n")
        return self

    def _read_line(self, timeout):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout):
                return None
            return self.proc.stdout.readline().strip()
        finally:
            sel.close()

    def at(self, offset_seconds):
        """Wall-clock epoch seconds of an offset of the schedule."""
        return self.origin + offset_seconds

    def trigger_motion(self, timeout=5.0):
        """Start a motion window now (SIGUSR1); returns its (epoch start, duration)."""
        self.proc.send_signal(signal.SIGUSR1)
        line = self._read_line(timeout)
        m = re.fullmatch(r"MOTION ([0-9.]+) ([0-9.]+)", line or "")
        assert m, f"testcam {self.name} did not acknowledge SIGUSR1: {line!r}"
        event = (float(m.group(1)), float(m.group(2)))
        with open(self.workdir / f"testcam-{self.name}.log", "a") as log:
            log.write(f"{time.time():.3f} motion at t={event[0] - self.origin:.3f} for {event[1]} s\n")
        self.motion_events.append(event)
        return event

    def stop(self, timeout=5.0):
        """SIGTERM and wait (the camera must exit 0)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        assert code == 0, f"testcam {self.name} exited {code}"

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self, timeout=15.0):
        self.stop()
        return self.start(timeout)

    def close(self):
        if self.proc is not None:
            _stop_process(self.proc, timeout=3.0)
            if self.proc.stdout:
                self.proc.stdout.close()


class FakePeer:
    """A TCP server that misbehaves like a broken camera.

    mode "silent":  accepts connections and never sends a byte (a frozen camera / wrong service).
    mode "garbage": accepts, sends random binary bytes (4 KiB at once and after each request), and
                    hangs up one second later (a device speaking some other protocol).
    mode "closes":  accepts and closes at once (a camera out of client slots, a filtered service).
    mode "http":    answers every request with an HTTP 200 page (a web server on the RTSP port).
    """

    def __init__(self, mode: str):
        assert mode in ("silent", "garbage", "closes", "http")
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"rtsp://127.0.0.1:{self.port}/stream"
        self.connections = 0
        self._stop = threading.Event()
        self._clients: list[socket.socket] = []
        self._opened: dict[socket.socket, float] = {}
        self._thread = threading.Thread(target=self._run, name=f"fake-{mode}", daemon=True)
        self._thread.start()

    def _run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        rng = __import__("random").Random(1234)
        while not self._stop.is_set():
            if self.mode == "garbage":
                for client, opened in list(self._opened.items()):
                    if time.monotonic() - opened > 1.0:
                        del self._opened[client]
                        sel.unregister(client)
                        self._clients.remove(client)
                        client.close()
            for key, _ in sel.select(0.1):
                if key.fileobj is self.sock:
                    try:
                        client, _ = self.sock.accept()
                    except OSError:
                        continue
                    self.connections += 1
                    if self.mode == "closes":
                        client.close()
                        continue
                    self._clients.append(client)
                    sel.register(client, selectors.EVENT_READ)
                    if self.mode == "garbage":
                        self._opened[client] = time.monotonic()
                        self._send(client, rng)
                else:
                    client = key.fileobj
                    try:
                        data = client.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        sel.unregister(client)
                        client.close()
                        self._clients.remove(client)
                        self._opened.pop(client, None)
                    elif self.mode == "garbage":
                        self._send(client, rng)
                    elif self.mode == "http":
                        try:
                            client.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                        b"Content-Length: 14\r\n\r\n<html></html>\n")
                        except OSError:
                            pass
        sel.close()

    @staticmethod
    def _send(client, rng):
        try:
            client.setblocking(False)
            client.send(rng.randbytes(4096))
        except OSError:  # full buffer or closed: the reader side notices the close
            pass

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for client in self._clients:
            client.close()
        self.sock.close()


def mjpeg_camera():
    """An HTTP MJPEG camera: the ffmpeg CLI serving one client a moving 320x240 test pattern at
    10 fps. Returns (url, process); the caller kills the process."""
    url = f"http://127.0.0.1:{free_port()}/cam.mjpeg"
    process = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10",
         "-f", "mpjpeg", "-listen", "1", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return url, process


# ---------------------------------------------------------------------------------------------
# configuration


def _yaml_scalar(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def to_yaml(value, indent=0) -> str:
    """A small YAML emitter for dicts, lists and scalars (block style)."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 2))
            elif isinstance(item, dict):
                lines.append(f"{pad}{key}: {{}}")
            elif isinstance(item, list):
                lines.append(f"{pad}{key}: []")
            else:
                lines.append(f"{pad}{key}: {_yaml_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                body = to_yaml(item, indent + 2).splitlines()
                lines.append(f"{pad}- {body[0].lstrip()}")
                lines.extend(body[1:])
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    else:
        lines.append(f"{pad}{_yaml_scalar(value)}")
    return "\n".join(lines)


def camera_config(
    url,
    *,
    detect_url=None,
    name=None,
    enabled=True,
    detector="mog2",
    fps=5,
    min_area_percent=0.5,
    warmup="1s",
    pre_roll="2s",
    post_roll="2s",
    min_duration="4s",
    max_duration="10m",
    recording=True,
    rtsp_transport=None,
):
    camera = {"name": name, "enabled": enabled, "record_url": url}
    if name is None:
        del camera["name"]
    if detect_url:
        camera["detect_url"] = detect_url
    if rtsp_transport is not None:  # "tcp" (vms's default) or "udp"; absent from the YAML when None
        camera["rtsp_transport"] = rtsp_transport
    camera["detector"] = {
        "type": detector,
        "fps": fps,
        "min_area_percent": min_area_percent,
        "warmup": warmup,
    }
    camera["recording"] = {
        "enabled": recording,
        "pre_roll": pre_roll,
        "post_roll": post_roll,
        "min_duration": min_duration,
        "max_duration": max_duration,
    }
    return camera


def vms_config(data_dir: Path, port: int, cameras: dict) -> dict:
    return {
        "server": {"listen": f"127.0.0.1:{port}", "data_dir": str(data_dir)},
        "auth": {"users": [{"name": TEST_USER, "password_hash": TEST_PASSWORD_HASH, "role": "admin"}]},
        "storage": {"retention_days": 0, "max_bytes": 0, "min_free_bytes": 0},
        "cameras": cameras,
    }


def run_vms(args, timeout=30.0, cwd=None, stdin_text=None):
    """Run a short vms command (`stdin_text` on its standard input); returns CompletedProcess with
    text output."""
    return subprocess.run(
        [str(vms_binary()), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        **({"input": stdin_text} if stdin_text is not None else {"stdin": subprocess.DEVNULL}),
    )


# ---------------------------------------------------------------------------------------------
# the server


class Vms:
    """`vms serve --config FILE` in a work directory, with its own data dir and free port."""

    def __init__(self, workdir: Path, cameras: dict | None = None, name="vms"):
        self.workdir = workdir
        self.name = name
        self.data_dir = workdir / "data"
        self.config_path = workdir / "vms.yaml"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.runs = 0
        self.problems: list[str] = []  # teardown findings (reported, and keep the artifacts)
        if cameras is not None:
            self.write_config(cameras)

    # config -------------------------------------------------------------------------------
    def write_config(self, cameras: dict):
        self.write_config_text(to_yaml(vms_config(self.data_dir, self.port, cameras)) + "\n")

    def write_config_text(self, text: str):
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.config_path)

    # process ------------------------------------------------------------------------------
    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def stderr_path(self):
        return self.workdir / f"{self.name}-{self.runs}.stderr"

    def start(self, wait=True, timeout=20.0):
        binary = vms_binary()
        assert binary.exists(), f"vms binary not found at {binary} (build it, or set VMS_BIN)"
        assert self.proc is None or self.proc.poll() is not None, "vms already running"
        self.runs += 1
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--config", str(self.config_path)],
            stdout=open(self.workdir / f"{self.name}-{self.runs}.stdout", "wb"),
            stderr=open(self.stderr_path, "wb"),
            stdin=subprocess.DEVNULL,
            cwd=self.workdir,
        )
        if wait:
            self.wait_healthy(timeout)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_healthy(self, timeout=20.0):
        def ready():
            if not self.running():
                raise AssertionError(
                    f"vms exited with {self.proc.returncode} before answering /api/v1/health:\n"
                    f"{tail(self.stderr_path)}"
                )
            return self.health(quiet=True)

        return wait_until(ready, timeout, "GET /api/v1/health", interval=0.1, details=self.log_tail)

    def stop(self, timeout=5.0):
        """SIGTERM; asserts exit status 0 within `timeout` seconds. Returns seconds taken."""
        assert self.running(), f"vms is not running (exit {self.proc and self.proc.returncode})"
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"vms did not exit within {timeout}s of SIGTERM:\n{self.log_tail()}")
        taken = time.monotonic() - began
        assert code == 0, f"vms exited {code} after SIGTERM (want 0):\n{self.log_tail()}"
        return taken

    def kill9(self):
        assert self.running(), "vms is not running"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def close(self):
        """Finalizer: graceful stop; a failure to stop cleanly is recorded as a problem."""
        if self.running():
            health = self.health(quiet=True)
            (self.workdir / f"{self.name}-health-at-end.json").write_text(json.dumps(health, indent=2))
            try:
                self.stop()
            except AssertionError as error:
                self.problems.append(str(error))
        elif self.proc is not None and self.proc.returncode not in (0, -signal.SIGKILL):
            self.problems.append(f"vms had exited with {self.proc.returncode} on its own")

    def log_tail(self, lines=40):
        return f"--- tail of {self.stderr_path.name} ---\n{tail(self.stderr_path, lines)}"

    # HTTP ---------------------------------------------------------------------------------
    def get_json(self, path, timeout=3.0, auth=False):
        request = urllib.request.Request(self.base_url + path)
        if auth:
            import base64

            token = base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode())

    def health(self, quiet=False):
        try:
            return self.get_json("/api/v1/health")
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError, OSError):
            if quiet:
                return None
            raise

    def camera_status(self, camera_id):
        health = self.health(quiet=True)
        if not health:
            return None
        return (health.get("cameras") or {}).get(camera_id)

    # index --------------------------------------------------------------------------------
    @property
    def db_path(self):
        return self.data_dir / "vms.sqlite"

    def clips(self, camera_id=None):
        return read_clips(self.data_dir, camera_id)


# ---------------------------------------------------------------------------------------------
# the clip index and media


CLIP_COLUMNS = (
    "id",
    "camera_id",
    "start_ms",
    "end_ms",
    "duration_ms",
    "size_bytes",
    "file",
    "thumbnail",
    "state",
    "archived",
    "comment",
)


class WebSocket:
    """A minimal RFC 6455 client: handshake, frames in (text and binary), masked text out, close."""

    def __init__(self, port, path, headers):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            head += chunk
        self.status = int(head.split(b" ", 2)[1]) if head else 0
        if self.status == 101:
            accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
                                      .digest()).decode()
            assert accept.encode() in head, head

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("websocket closed")
            data += chunk
        return data

    def frame(self, timeout):
        """The next data message: ("text", str) or ("binary", bytes). Pings are answered."""
        self.sock.settimeout(timeout)
        while True:
            b1, b2 = self._read(2)
            length = b2 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            opcode = b1 & 0x0F
            if opcode == 1:
                return "text", payload.decode()
            if opcode == 2:
                return "binary", payload
            if opcode == 8:
                raise ConnectionError("websocket closed by the server")
            if opcode == 9:  # ping: answer with a masked pong
                self._send(0xA, payload)

    def message(self, timeout):
        """The next text message, as JSON (binary messages are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            kind, payload = self.frame(max(0.01, deadline - time.monotonic()))
            if kind == "text":
                return json.loads(payload)

    def send_text(self, text):
        self._send(0x1, text.encode())

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def close(self):
        self.sock.close()


def read_clips(data_dir: Path, camera_id=None):
    """Rows of table `clip` as dicts, oldest first ([] while the database does not exist yet)."""
    db = Path(data_dir) / "vms.sqlite"
    if not db.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return []
    try:
        conn.row_factory = sqlite3.Row
        sql = f"SELECT {', '.join(CLIP_COLUMNS)} FROM clip"
        params = ()
        if camera_id is not None:
            sql += " WHERE camera_id = ?"
            params = (camera_id,)
        rows = conn.execute(sql + " ORDER BY start_ms, id", params).fetchall()
        return [dict(row) for row in rows]
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise
    finally:
        conn.close()


def ffprobe(path):
    """Video stream facts and container duration of a media file."""
    out = subprocess.run(
        [
            "ffprobe", "-v", "error", "-print_format", "json",
            "-show_entries",
            "stream=codec_type,codec_name,width,height,r_frame_rate,avg_frame_rate,nb_frames,pix_fmt"
            ":format=duration,format_name",
            str(path),
        ],
        capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 0, f"ffprobe failed on {path}: {out.stderr}"
    info = json.loads(out.stdout)
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    return {
        "video": video,
        "audio": [s for s in streams if s.get("codec_type") == "audio"],
        "duration": float(info.get("format", {}).get("duration", "nan")),
        "format": info.get("format", {}).get("format_name", ""),
    }


def rate(text):
    """'15/1' -> 15.0"""
    num, _, den = (text or "0/0").partition("/")
    den = float(den or 1)
    return float(num) / den if den else 0.0


def decode_errors(path):
    """Decode every frame; returns ffmpeg's error output ('' when the file decodes cleanly)."""
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )
    text = out.stderr.strip()
    if out.returncode != 0 and not text:
        text = f"ffmpeg exited {out.returncode}"
    return text


def count_frames(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
         "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    return int(out.stdout.strip() or 0)


def copy_artifacts(workdir: Path, nodeid: str, max_file_bytes=50_000_000) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    target = ARTIFACTS_DIR / safe
    if target.exists():
        shutil.rmtree(target)

    def ignore(directory, names):
        return [n for n in names if (Path(directory) / n).is_file()
                and (Path(directory) / n).stat().st_size > max_file_bytes]

    shutil.copytree(workdir, target, ignore=ignore, dirs_exist_ok=True)
    return target


# ---------------------------------------------------------------------------------------------
# watching status over time


class HealthWatcher:
    """Polls /api/v1/health every `interval` seconds in a thread and keeps every camera's history
    as (epoch seconds, status dict). Use as a context manager so the thread always stops."""

    def __init__(self, server: Vms, interval=0.2):
        self.server = server
        self.interval = interval
        self.history: dict[str, list[tuple[float, dict]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health-watcher", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self):
        while not self._stop.is_set():
            health = self.server.health(quiet=True) if self.server.running() else None
            now = time.time()
            for camera_id, status in ((health or {}).get("cameras") or {}).items():
                self.history.setdefault(camera_id, []).append((now, dict(status)))
            self._stop.wait(self.interval)

    def states(self, camera_id, since=0.0):
        """The sequence of distinct connection states seen since `since` (epoch seconds)."""
        sequence = []
        for when, status in list(self.history.get(camera_id, [])):
            if when >= since and (not sequence or sequence[-1] != status.get("state")):
                sequence.append(status.get("state"))
        return sequence

    def seen(self, camera_id, key, since=0.0, until=float("inf")):
        """Times at which status[key] was truthy."""
        return [w for w, s in list(self.history.get(camera_id, [])) if since <= w <= until and s.get(key)]


def wait_connected_and_warm(server: Vms, camera_id, warmup_seconds, timeout=30.0, margin=1.5):
    """Wait until the camera has been 'connected' without a break for warmup + margin seconds."""
    since = None

    def warm():
        nonlocal since
        status = server.camera_status(camera_id) or {}
        if status.get("state") != "connected":
            since = None
            return False
        if since is None:
            since = time.monotonic()
        return time.monotonic() - since >= warmup_seconds + margin

    wait_until(warm, timeout, f"camera {camera_id} connected and past its warm-up",
               interval=0.1, details=lambda: f"{server.camera_status(camera_id)}\n{server.log_tail()}")
