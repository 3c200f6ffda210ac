"""The systems the benchmark runs, and what they run against.

- `Source`: N test cameras (bench/rtsp_source.py), with the onsets of their motion windows and the
  frames each mount sent;
- `VmsSystem` (with `EventWatcher`, its WebSocket client), `LimitSystem` (the in-process limit,
  Sources/vms-limit), `FloorSystem` (the FFmpeg CLI, one process per camera), `MotionSystem`.

Every system has the same small interface (`System`): its processes' pids (for CPU and RSS),
`alive()`, `close()` (returns an exit code). `make(kind, ...)` builds one from its name.
Imports only common.py.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

from ws_client import WebSocketClient
from common import (BENCH, MEDIA, PASSWORD, USER, free_port, proc_cpu_seconds, proc_status_kb,
                    stop)

# ---------------------------------------------------------------------------------------------
# the camera source


class Source:
    """bench/rtsp_source.py with N cameras; collects ONSET lines (epoch of each motion window)."""

    def __init__(self, n, workdir):
        self.n = n
        self.onsets: dict[int, list[float]] = {k: [] for k in range(1, n + 1)}
        self.counts: dict[str, int] = {}
        self._counted = threading.Event()
        self.stderr = open(workdir / "source.stderr", "wb")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(BENCH / "rtsp_source.py"), "--cameras", str(n), "--media", str(MEDIA)],
            stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        m = re.fullmatch(r"READY (rtsp://\S+) \d+", line)
        if not m:
            stop(self.proc)
            raise RuntimeError(f"rtsp_source did not start: {line!r} (see {workdir}/source.stderr)")
        self.url = m.group(1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "ONSET":
                k = int(parts[1].split("/")[1][3:])
                self.onsets[k].append(float(parts[2]))
            elif len(parts) == 3 and parts[0] == "COUNT":
                self.counts[parts[1]] = int(parts[2])
            elif parts[:1] == ["COUNTED"]:
                self._counted.set()

    def main(self, k):
        return f"{self.url}/cam{k}/main"

    def sub(self, k):
        return f"{self.url}/cam{k}/sub"

    def cpu(self):
        return proc_cpu_seconds(self.proc.pid)

    def frame_counts(self, timeout=5.0):
        self._counted.clear()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)
            self._counted.wait(timeout)
        return dict(self.counts)

    def close(self):
        stop(self.proc, timeout=5)
        self._reader.join(timeout=2)
        self.stderr.close()


# ---------------------------------------------------------------------------------------------
# the motion watcher on /api/v1/events (the WebSocket client is ws_client.py)


class EventWatcher(WebSocketClient):
    """Keeps, per camera id, the epoch times at which its `motion` flag went from false to true."""

    def __init__(self, port, user, password):
        self.rises: dict[str, list[float]] = {}
        self.motion: dict[str, bool] = {}
        self._message = b""
        super().__init__(port, "/api/v1/events", user, password)
        self.start()

    def _on_frame(self, opcode, final, payload):
        if opcode not in (0x1, 0x0):
            return
        self._message += payload
        if final:
            self._on_message(time.time(), self._message)
            self._message = b""

    def _on_message(self, now, raw):
        try:
            msg = json.loads(raw.decode())
        except ValueError:
            return
        cams = msg.get("cameras", []) if msg.get("type") == "snapshot" else []
        if msg.get("type") == "camera":
            cams = [msg.get("camera") or {}]
        for cam in cams:
            cid, motion = cam.get("id"), bool(cam.get("motion"))
            if motion and not self.motion.get(cid, False) and msg.get("type") == "camera":
                self.rises.setdefault(cid, []).append(now)
            self.motion[cid] = motion


# ---------------------------------------------------------------------------------------------
# the systems under test


class System:
    name = "?"
    warmup_extra = 0.0

    def pids(self):
        return []

    def cpu(self):
        total = 0.0
        for pid in self.pids():
            value = proc_cpu_seconds(pid)
            total += value or 0.0
        return total

    def peak_rss_kb(self):
        return sum(proc_status_kb(pid, "VmHWM") or 0 for pid in self.pids())

    def alive(self):
        return True


class VmsSystem(System):
    """vms with every camera on `detector`; `decode`: the detectors' `decode:` (all or keyframes);
    `mode`: `recording.mode` (events, or continuous in 1-minute segments)."""

    def __init__(self, binary, detector, source, workdir, password_hash, settings, decode="all", mode="events"):
        self.name = f"vms-{detector}" if decode == "all" else f"vms-kf-{detector}"
        if mode == "continuous":
            self.name = f"vms-cont-{detector}"
        self.continuous = mode == "continuous"
        self.detector = detector
        self.workdir = workdir
        self.port = free_port()
        self.data = workdir / "data"
        self.settings = settings
        cams = []
        for k in range(1, source.n + 1):
            cams.append(
                f"  cam{k}:\n"
                f"    record_url: \"{source.main(k)}\"\n"
                f"    detect_url: \"{source.sub(k)}\"\n"
                f"    detector:\n      type: {detector}\n      fps: {settings['detect_fps']}\n      min_area_percent: 0.5\n"
                f"      warmup: 3s\n      decode: {decode}\n"
                f"    recording:\n      enabled: true\n      pre_roll: {settings['pre_roll']}s\n"
                f"      post_roll: {settings['post_roll']}s\n      min_duration: {settings['min_duration']}s\n"
                f"      max_duration: 10m\n      mode: {mode}\n      segment: 1m\n")
        config = (
            f"server:\n  listen: \"127.0.0.1:{self.port}\"\n  data_dir: \"{self.data}\"\n"
            f"auth:\n  users:\n    - name: {USER}\n      password_hash: \"{password_hash}\"\n      role: admin\n"
            f"storage:\n  retention_days: 0\n  max_bytes: 0\n  min_free_bytes: 0\n"
            f"cameras:\n" + "".join(cams))
        (workdir / "vms.yaml").write_text(config)
        self.stderr = open(workdir / "vms.stderr", "wb")
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--config", str(workdir / "vms.yaml")],
            stdout=open(workdir / "vms.stdout", "wb"), stderr=self.stderr, stdin=subprocess.DEVNULL,
            cwd=workdir)
        self.started = time.time()
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vms exited {self.proc.returncode} at start-up (see {workdir}/vms.stderr)")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=2) as r:
                    json.loads(r.read())
                break
            except (urllib.error.URLError, OSError, ValueError):
                if time.monotonic() > deadline:
                    raise RuntimeError("vms did not answer /api/v1/health within 60 s")
                time.sleep(0.1)
        self.startup_seconds = time.time() - self.started
        self.events = EventWatcher(self.port, USER, PASSWORD)

    def pids(self):
        return [self.proc.pid] if self.proc.poll() is None else []

    def alive(self):
        return self.proc.poll() is None

    def health(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=5) as r:
                return json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def close(self):
        self.events.close()
        code = stop(self.proc, timeout=30)
        self.stderr.close()
        return code


class LimitSystem(System):
    """The in-process limit: Sources/vms-limit, one process for the N cameras like vms, doing only
    the work no in-process NVR can avoid: read both streams, copy the main stream into fragmented MP4
    files with vms's ClipWriter, decode the substream in full and scale it to the analysis size at
    the detector's rate. No actor, index, status hub, web server or detector. On close it prints one
    JSON line per camera with what it did (`counts`), which the harness checks."""

    name = "limit"

    def __init__(self, binary, source, workdir, fps=5, width=320):
        self.workdir = workdir
        self.out = workdir / "limit"
        self.counts: list[dict] = []
        argv = [str(binary), "--out", str(self.out), "--fps", str(fps), "--width", str(width)]
        for k in range(1, source.n + 1):
            argv += [source.main(k), source.sub(k)]
        self.stdout_path = workdir / "limit.stdout"
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=open(self.stdout_path, "wb"),
            stderr=open(workdir / "limit.stderr", "wb"), cwd=workdir)

    def pids(self):
        return [self.proc.pid] if self.proc.poll() is None else []

    def alive(self):
        return self.proc.poll() is None

    def files(self):
        return sorted(self.out.rglob("*.mp4"))

    def close(self):
        code = stop(self.proc, signal.SIGTERM, timeout=30)
        self.counts = []
        for line in self.stdout_path.read_text().splitlines():
            try:
                self.counts.append(json.loads(line))
            except ValueError:
                pass
        return code


class FloorSystem(System):
    """The floor: per camera, one FFmpeg CLI doing the same work as vms with no detection logic:
    stream copy of the main stream into fragmented MP4, and decoding the substream to nothing at the
    analysis size."""

    name = "floor"

    def __init__(self, source, workdir):
        self.workdir = workdir
        self.procs = []
        self.files = []
        for k in range(1, source.n + 1):
            out = workdir / f"floor-cam{k}.mp4"
            self.files.append(out)
            argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                    "-rtsp_transport", "tcp", "-i", source.main(k),
                    "-rtsp_transport", "tcp", "-i", source.sub(k),
                    "-map", "0:v", "-c", "copy", "-f", "mp4",
                    "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000",
                    "-y", str(out),
                    "-map", "1:v", "-vf", "scale=320:-2", "-f", "null", "-"]
            self.procs.append(subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=open(workdir / f"floor-cam{k}.stderr", "wb")))

    def pids(self):
        return [p.pid for p in self.procs if p.poll() is None]

    def alive(self):
        return all(p.poll() is None for p in self.procs)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        codes = [stop(p, signal.SIGINT, timeout=15) for p in self.procs]
        return max((c or 0) for c in codes) if codes else 0


class MotionSystem(System):
    name = "motion"

    def __init__(self, source, workdir):
        self.workdir = workdir
        (workdir / "movies").mkdir(parents=True, exist_ok=True)
        events = workdir / "motion-events.txt"
        script = workdir / "motion-event.sh"
        script.write_text(f"#!/bin/sh\necho \"$1 $(date +%s.%N)\" >> '{events}'\n")
        script.chmod(0o755)
        cams = []
        for k in range(1, source.n + 1):
            conf = workdir / f"camera{k}.conf"
            conf.write_text(
                f"camera_id {k}\ncamera_name cam{k}\nnetcam_url {source.sub(k)}\n"
                f"netcam_high_url {source.main(k)}\nnetcam_params rtsp_transport=tcp\n"
                f"netcam_high_params rtsp_transport=tcp\n")
            cams.append(f"camera {conf}")
        text = (BENCH / "motion.conf.template").read_text()
        text = text.replace("@WORK@", str(workdir)).replace("@CAMERAS@", "\n".join(cams))
        (workdir / "motion.conf").write_text(text)
        self.proc = subprocess.Popen(
            ["motion", "-n", "-c", str(workdir / "motion.conf")],
            stdin=subprocess.DEVNULL, stdout=open(workdir / "motion.stdout", "wb"),
            stderr=open(workdir / "motion.stderr", "wb"), cwd=workdir)

    def pids(self):
        return [self.proc.pid] if self.proc.poll() is None else []

    def alive(self):
        return self.proc.poll() is None

    def event_rises(self):
        rises = {}
        path = self.workdir / "motion-events.txt"
        if path.exists():
            for line in path.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2:
                    rises.setdefault(f"cam{parts[0]}", []).append(float(parts[1]))
        return rises

    def movies(self):
        return sorted(p for p in (self.workdir / "movies").rglob("*") if p.is_file())

    def close(self):
        return stop(self.proc, signal.SIGTERM, timeout=20)


def make(kind, source, workdir, *, vms=None, limit=None, password_hash=None, settings=None):
    """The system called `kind`: vms-DETECTOR (vms-DETECTOR-liveK: the same, watched by K live
    viewers, which the harness opens), vms-kf-DETECTOR (keyframe-only detection), vms-cont-DETECTOR
    (continuous recording), limit, floor or motion."""
    if kind.startswith("vms-kf-"):
        return VmsSystem(vms, kind[7:], source, workdir, password_hash, settings, decode="keyframes")
    if kind.startswith("vms-cont-"):
        return VmsSystem(vms, kind[9:], source, workdir, password_hash, settings, mode="continuous")
    if kind.startswith("vms-"):
        return VmsSystem(vms, kind[4:].split("-live")[0], source, workdir, password_hash, settings)
    if kind == "limit":
        return LimitSystem(limit, source, workdir, fps=settings["detect_fps"])
    if kind == "floor":
        return FloorSystem(source, workdir)
    if kind == "motion":
        return MotionSystem(source, workdir)
    raise ValueError(f"unknown system {kind!r}")
