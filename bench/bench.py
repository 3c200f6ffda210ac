#!/usr/bin/python3
"""make bench: the cost per camera of vms, side by side with the FFmpeg-CLI floor and with Motion.

For every scale N and every system, in turn and on the same streams:
  1. start N test cameras (bench/rtsp_source.py: pre-encoded H.264, looped, packetised, not decoded),
  2. start the system (vms with each detector; the floor = one `ffmpeg` per camera; Motion),
  3. let it warm up W seconds, then measure T seconds:
     CPU seconds per camera-second of the system's processes (utime+stime from /proc/PID/stat),
     peak RSS (VmHWM), the source's own CPU and the machine's other load, and for vms:
     motion windows recorded / scheduled, clips in static periods, frames in clips / expected,
     and motion latency (scheduled onset -> WebSocket motion event),
  4. stop everything it started.
Results: a table on stdout, JSON + a text table + a PNG plot in bench/results/ (see bench/README.md).

Environment (or flags): BENCH_QUICK=1 (N=1, 10 s, vms mog2 + floor (+ Motion when installed)),
BENCH_SCALES=1,8,32  BENCH_SECONDS=60  BENCH_WARMUP=15  BENCH_DETECTORS=mog2,framediff
BENCH_SYSTEMS=vms,floor,motion  BENCH_MICRO=0 (skip the micro-benchmarks)  BENCH_KEEP=1 (keep the
work directories with recordings)  VMS_BIN (default .build/release/vms).
Run with Debian's /usr/bin/python3 (GStreamer's gi and matplotlib come from Debian packages).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MEDIA = BENCH / "media"
CLK_TCK = os.sysconf("SC_CLK_TCK")
USER, PASSWORD = "bench", "bench-password"


# ---------------------------------------------------------------------------------------------
# small helpers


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    """utime+stime of a process (all its threads) in seconds, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status_kb(pid, key):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def machine_busy_seconds():
    """CPU-seconds the whole machine spent not idle (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLK_TCK


def stop(proc, sig=signal.SIGTERM, timeout=15.0):
    """Stop one process we started; returns its exit code (killed after `timeout`)."""
    if proc is None or proc.poll() is not None:
        return None if proc is None else proc.returncode
    try:
        proc.send_signal(sig)
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def percentile(values, q):
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def count_packets(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
         "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=60)
    try:
        return int(out.stdout.strip().splitlines()[0])
    except (ValueError, IndexError):
        return 0


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
# WebSocket client for /api/v1/events (enough of RFC 6455 for a server that sends text frames)


class EventWatcher:
    """Keeps, per camera id, the epoch times at which its `motion` flag went from false to true."""

    def __init__(self, port, user, password):
        self.rises: dict[str, list[float]] = {}
        self.motion: dict[str, bool] = {}
        self.error = None
        self._stop = threading.Event()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.sock.sendall(
            (f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
             f"Authorization: Basic {auth}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("WebSocket: connection closed during the handshake")
            head += chunk
        head, _, self.buf = head.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status + " ":
            raise RuntimeError(f"WebSocket upgrade refused: {status}")
        self.sock.settimeout(0.5)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _recv_exact(self, n):
        while len(self.buf) < n:
            if self._stop.is_set():
                raise EOFError
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, opcode, payload=b""):
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _run(self):
        message = b""
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
                elif opcode in (0x1, 0x0):
                    message += payload
                    if b0 & 0x80:
                        self._on_message(time.time(), message)
                        message = b""
        except EOFError:
            pass
        except Exception as error:  # reported in the results, never fatal
            self.error = repr(error)

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

    def close(self):
        self._stop.set()
        try:
            self._send(0x8, b"\x03\xe8")
        except OSError:
            pass
        self._thread.join(timeout=3)
        self.sock.close()


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
    def __init__(self, binary, detector, source, workdir, password_hash, settings):
        self.name = f"vms-{detector}"
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
                f"    detector:\n      type: {detector}\n      fps: 5\n      min_area_percent: 0.5\n"
                f"      warmup: 3s\n"
                f"    recording:\n      enabled: true\n      pre_roll: {settings['pre_roll']}s\n"
                f"      post_roll: {settings['post_roll']}s\n      min_duration: {settings['min_duration']}s\n"
                f"      max_duration: 10m\n")
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


# ---------------------------------------------------------------------------------------------
# one measured run


def windows_in(onsets, lo, hi):
    return [t for t in onsets if lo <= t <= hi]


def latency_stats(source, rises_by_cam, lo, hi, window):
    """Scheduled onsets in [lo, hi] matched to the first motion rise in [onset-0.2, onset+window+2]."""
    latencies, missed = [], 0
    for k, onsets in source.onsets.items():
        rises = rises_by_cam.get(f"cam{k}", [])
        for onset in windows_in(onsets, lo, hi):
            hit = [r for r in rises if onset - 0.2 <= r <= onset + window + 2.0]
            if hit:
                latencies.append(hit[0] - onset)
            else:
                missed += 1
    return {
        "windows": len(latencies) + missed,
        "detected": len(latencies),
        "latency_median_s": round(statistics.median(latencies), 3) if latencies else None,
        "latency_p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "latency_max_s": round(max(latencies), 3) if latencies else None,
    }


def clip_stats(data_dir, source, lo, hi, window, fps):
    """Windows in [lo, hi] with a clip overlapping them; clips overlapping no window at all;
    frames in clips against duration x fps."""
    db = data_dir / "vms.sqlite"
    rows = []
    if db.exists():
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            rows = conn.execute(
                "SELECT camera_id, start_ms, end_ms, duration_ms, file, state FROM clip ORDER BY start_ms").fetchall()
        finally:
            conn.close()
    by_cam: dict[str, list] = {}
    for row in rows:
        by_cam.setdefault(row[0], []).append(row)
    scheduled = recorded = static = 0
    frames = expected = 0
    for k, onsets in source.onsets.items():
        clips = by_cam.get(f"cam{k}", [])
        spans = [(c[1] / 1000, (c[2] or c[1] + c[3]) / 1000) for c in clips]
        for onset in windows_in(onsets, lo, hi):
            scheduled += 1
            if any(s <= onset + window and e >= onset for s, e in spans):
                recorded += 1
        for s, e in spans:  # a clip that overlaps no window at all (1 s of slack) was made in a still period
            if not any(s <= o + window + 1 and e >= o - 1 for o in onsets):
                static += 1
    for c in rows:
        path = data_dir / c[4]
        if path.exists() and c[3] > 0:
            frames += count_packets(path)
            expected += c[3] / 1000 * fps
    return {
        "windows_scheduled": scheduled, "windows_recorded": recorded, "clips": len(rows),
        "clips_in_static_periods": static,
        "clip_frames": frames, "clip_frames_expected": round(expected),
        "clip_frames_ratio": round(frames / expected, 4) if expected else None,
    }


def run_one(kind, n, args, results_dir, binary, password_hash, schedule):
    tag = f"n{n}-{kind}"
    workdir = results_dir / "work" / tag
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    window = schedule["window_seconds"]
    fps = schedule["fps"]
    settings = {"pre_roll": 2, "post_roll": 3, "min_duration": 5}
    log(f"{tag}: starting {n} camera(s) and the system; warm-up {args.warmup:g} s, measure {args.seconds:g} s")
    source = Source(n, workdir)
    system = None
    result = {"system": kind.split("-")[0] if kind != "floor" else "floor", "kind": kind, "cameras": n}
    try:
        t_launch = time.time()
        if kind.startswith("vms-"):
            system = VmsSystem(binary, kind[4:], source, workdir, password_hash, settings)
            result["startup_s"] = round(system.startup_seconds, 3)
        elif kind == "floor":
            system = FloorSystem(source, workdir)
        else:
            system = MotionSystem(source, workdir)
        time.sleep(max(0.0, args.warmup - (time.time() - t_launch)))
        if not system.alive():
            raise RuntimeError(f"{kind} died during the warm-up (see {workdir})")
        sent0 = source.frame_counts()
        c0, s0, m0, t0 = system.cpu(), source.cpu(), machine_busy_seconds(), time.time()
        me0 = proc_cpu_seconds(os.getpid())
        time.sleep(args.seconds)
        c1, s1, m1, t1 = system.cpu(), source.cpu(), machine_busy_seconds(), time.time()
        me1 = proc_cpu_seconds(os.getpid())
        sent1 = source.frame_counts()
        alive = system.alive()
        peak = system.peak_rss_kb()
        wall = t1 - t0
        sys_cpu = c1 - c0
        src_cpu = (s1 or 0) - (s0 or 0)
        result.update({
            "seconds": round(wall, 2),
            "alive_at_end": alive,
            "cpu_per_camera": round(sys_cpu / (n * wall), 5),
            "cpu_total": round(sys_cpu / wall, 4),
            "peak_rss_mb": round(peak / 1024, 1),
            "peak_rss_mb_per_camera": round(peak / 1024 / n, 1),
            "source_cpu_per_camera": round(src_cpu / (n * wall), 5),
            "other_load_cpu": round(max(0.0, (m1 - m0) - sys_cpu - src_cpu - (me1 - me0)) / wall, 3),
        })
        if isinstance(system, VmsSystem):
            health = system.health() or {}
            states = [c.get("state") for c in (health.get("cameras") or {}).values()]
            result["cameras_connected_at_end"] = states.count("connected")
        # stop the system first (clips are finalised), then read the source's counters
        rises = system.events.rises if isinstance(system, VmsSystem) else None
        if isinstance(system, MotionSystem):
            rises = None
        code = system.close()
        result["exit_code"] = code
        if isinstance(system, MotionSystem):
            rises = system.event_rises()
            movies = system.movies()
            result["clips"] = len(movies)
        # Frames the source handed to the network during the measured interval, against what N
        # cameras at 25 fps send: over TCP nothing is lost on the way, so a shortfall means the
        # receiver (or the source) could not keep up and the stream fell behind real time.
        for kind_ in ("main", "sub"):
            sent = sum(v - sent0.get(p, 0) for p, v in sent1.items() if p.endswith("/" + kind_))
            result[f"frames_sent_{kind_}"] = sent
            result[f"delivered_{kind_}"] = round(sent / (n * fps * wall), 4)
        lo, hi = t0, t1 - window - 0.5
        if rises is not None:
            result.update(latency_stats(source, rises, lo, hi, window))
        if isinstance(system, VmsSystem):
            result.update(clip_stats(system.data, source, lo, hi, window, fps))
            if system.events.error:
                result["websocket_error"] = system.events.error
        system = None
    except Exception as error:
        result["error"] = str(error)
        log(f"{tag}: FAILED: {error}")
    finally:
        if system is not None:
            try:
                system.close()
            except Exception:
                pass
        source.close()
        if not args.keep:
            for sub in ("data", "movies"):
                shutil.rmtree(workdir / sub, ignore_errors=True)
            for f in workdir.glob("floor-cam*.mp4"):
                f.unlink()
    log(f"{tag}: " + ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("system", "kind", "cameras")))
    return result


# ---------------------------------------------------------------------------------------------
# report


COLUMNS = [
    ("N", lambda r: r["cameras"]),
    ("system", lambda r: r["kind"]),
    ("CPU/cam", lambda r: fmt(r.get("cpu_per_camera"), 4)),
    ("xFloor", lambda r: fmt(r.get("vs_floor"), 2)),
    ("xMotion", lambda r: fmt(r.get("vs_motion"), 2)),
    ("RSS MB", lambda r: fmt(r.get("peak_rss_mb"), 0)),
    ("MB/cam", lambda r: fmt(r.get("peak_rss_mb_per_camera"), 1)),
    ("windows rec/sched", lambda r: f"{r['windows_recorded']}/{r['windows_scheduled']}" if "windows_recorded" in r else "-"),
    ("static clips", lambda r: r.get("clips_in_static_periods", "-")),
    ("clips", lambda r: r.get("clips", "-")),
    ("sent main/sub", lambda r: f"{fmt(r.get('delivered_main'), 3)}/{fmt(r.get('delivered_sub'), 3)}"),
    ("clip frames", lambda r: fmt(r.get("clip_frames_ratio"), 3)),
    ("lat med", lambda r: fmt(r.get("latency_median_s"), 2)),
    ("lat p95", lambda r: fmt(r.get("latency_p95_s"), 2)),
    ("det", lambda r: f"{r['detected']}/{r['windows']}" if "detected" in r else "-"),
    ("src CPU/cam", lambda r: fmt(r.get("source_cpu_per_camera"), 4)),
    ("other", lambda r: fmt(r.get("other_load_cpu"), 2)),
]


def fmt(value, digits):
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def table(results):
    rows = [[str(f(r)) for _, f in COLUMNS] for r in results]
    heads = [h for h, _ in COLUMNS]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(heads)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(heads, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def add_ratios(results):
    by_n = {}
    for r in results:
        by_n.setdefault(r["cameras"], {})[r["kind"]] = r
    for n, kinds in by_n.items():
        floor = (kinds.get("floor") or {}).get("cpu_per_camera")
        motion = (kinds.get("motion") or {}).get("cpu_per_camera")
        for r in kinds.values():
            cpu = r.get("cpu_per_camera")
            if cpu is not None and r["system"] == "vms":
                r["vs_floor"] = round(cpu / floor, 3) if floor else None
                r["vs_motion"] = round(cpu / motion, 3) if motion else None


def targets(results):
    """The issue's targets, judged per run (ratios are within one N of one bench run)."""
    checks = []
    for r in results:
        if r["system"] != "vms" or "error" in r:
            continue
        tag = f"N={r['cameras']} {r['kind']}"
        if r.get("vs_motion") is not None:
            checks.append((tag, "CPU <= 0.5x Motion", r["vs_motion"] <= 0.5, f"{r['vs_motion']:.2f}x"))
        if r.get("vs_floor") is not None:
            checks.append((tag, "CPU <= 0.5x floor", r["vs_floor"] <= 0.5, f"{r['vs_floor']:.2f}x"))
        if "windows_recorded" in r:
            checks.append((tag, "every window recorded", r["windows_recorded"] == r["windows_scheduled"],
                           f"{r['windows_recorded']}/{r['windows_scheduled']}"))
            checks.append((tag, "no clip in static periods", r["clips_in_static_periods"] == 0,
                           str(r["clips_in_static_periods"])))
        ratio = r.get("clip_frames_ratio")
        if ratio is not None:
            checks.append((tag, "frames in clips = duration x 25 fps (none lost, none foreign)",
                           0.99 <= ratio <= 1.01, fmt(ratio, 3)))
        delivered = min(r.get("delivered_main") or 0, r.get("delivered_sub") or 0)
        checks.append((tag, "streams kept up with real time (source sent >= 99%)", delivered >= 0.99,
                       fmt(delivered, 3)))
        if r["cameras"] >= 32:
            p95 = r.get("latency_p95_s")
            checks.append((tag, "motion latency p95 < 1 s", p95 is not None and p95 < 1.0, fmt(p95, 2)))
        checks.append((tag, "RSS <= 30 MB per camera", r["peak_rss_mb_per_camera"] <= 30,
                       f"{r['peak_rss_mb_per_camera']} MB"))
    return checks


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is missing (apt-get install python3-matplotlib): no plot")
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    kinds = sorted({r["kind"] for r in results})
    for kind in kinds:
        pts = sorted((r["cameras"], r["cpu_per_camera"]) for r in results
                     if r["kind"] == kind and r.get("cpu_per_camera") is not None)
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=kind)
    ax.set_xscale("log", base=2)
    scales = sorted({r["cameras"] for r in results})
    ax.set_xticks(scales)
    ax.set_xticklabels([str(n) for n in scales])
    ax.minorticks_off()
    ax.set_xlabel("cameras (N)")
    ax.set_ylabel("CPU seconds per camera-second")
    ax.set_title("Cost per camera: vms vs the FFmpeg-CLI floor vs Motion")
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------------------------------
# preparation


def ensure_media():
    subprocess.run([str(BENCH / "make-media.sh"), str(MEDIA)], check=True)
    return json.loads((MEDIA / "schedule.json").read_text())


def apt_install(package):
    log(f"installing Debian's {package} (apt-get install -y {package})")
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]
    if os.geteuid() != 0:
        cmd = ["sudo", "-n"] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env).returncode == 0


def ensure_motion(install):
    if shutil.which("motion"):
        return True
    return install and apt_install("motion") and shutil.which("motion") is not None


def ensure_matplotlib(install):
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return install and apt_install("python3-matplotlib")


def hash_password(binary):
    out = subprocess.run([str(binary), "hash-password"], input=PASSWORD + "\n", capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"vms hash-password failed: {out.stderr}")
    return out.stdout.strip().splitlines()[-1].strip()


def env_list(name, default):
    value = os.environ.get(name)
    return [x.strip() for x in (value or default).split(",") if x.strip()]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    quick_env = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    p.add_argument("--quick", action="store_true", default=quick_env)
    p.add_argument("--scales", default=None)
    p.add_argument("--seconds", type=float, default=None)
    p.add_argument("--warmup", type=float, default=None)
    p.add_argument("--detectors", default=None)
    p.add_argument("--systems", default=None)
    p.add_argument("--micro", default=os.environ.get("BENCH_MICRO", ""))
    p.add_argument("--keep", action="store_true", default=os.environ.get("BENCH_KEEP", "") not in ("", "0"))
    p.add_argument("--out", default=str(BENCH / "results"))
    args = p.parse_args(argv)
    q = args.quick
    args.scales = [int(x) for x in (args.scales.split(",") if args.scales else env_list("BENCH_SCALES", "1" if q else "1,8,32"))]
    args.seconds = args.seconds or float(os.environ.get("BENCH_SECONDS", 10 if q else 60))
    args.warmup = args.warmup if args.warmup is not None else float(os.environ.get("BENCH_WARMUP", 5 if q else 15))
    detectors = args.detectors.split(",") if args.detectors else env_list("BENCH_DETECTORS", "mog2" if q else "mog2,framediff")
    systems = args.systems.split(",") if args.systems else env_list("BENCH_SYSTEMS", "vms,floor,motion")
    micro = (args.micro or ("0" if q else "1")) not in ("0", "")

    binary = Path(os.environ.get("VMS_BIN", ROOT / ".build" / "release" / "vms"))
    if not binary.is_absolute():
        binary = ROOT / binary
    if "vms" in systems and not binary.exists():
        print(f"bench: {binary} is missing: build it first (flock /tmp/vms-build.lock swift build -c release)",
              file=sys.stderr)
        return 2
    results_dir = Path(args.out)
    results_dir.mkdir(parents=True, exist_ok=True)
    schedule = ensure_media()
    if "motion" in systems and not ensure_motion(install=not q):
        log("Motion is not installed: skipping the Motion baseline")
        systems = [s for s in systems if s != "motion"]
    ensure_matplotlib(install=not q)
    password_hash = hash_password(binary) if "vms" in systems else None

    kinds = []
    for s in systems:
        kinds += [f"vms-{d}" for d in detectors] if s == "vms" else [s]
    started = datetime.datetime.now()
    log(f"scales {args.scales}, systems {kinds}, warm-up {args.warmup:g} s, measure {args.seconds:g} s")
    results = []
    for n in args.scales:
        for kind in kinds:
            results.append(run_one(kind, n, args, results_dir, binary, password_hash, schedule))
    add_ratios(results)

    micro_results = None
    if micro:
        sys.path.insert(0, str(BENCH))
        import micro_bench
        micro_results = micro_bench.run(binary, results_dir, log, password_hash)

    stamp = started.strftime("%Y%m%d-%H%M%S")
    checks = targets(results)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "quick": q, "seconds": args.seconds, "warmup": args.warmup,
        "machine": {"cpus": os.cpu_count(), "load_at_end": os.getloadavg()},
        "media": schedule, "vms_binary": str(binary),
        "vms_binary_built": datetime.datetime.fromtimestamp(binary.stat().st_mtime).isoformat(timespec="seconds")
        if binary.exists() else None,
        "git_head": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                   capture_output=True, text=True).stdout.strip(),
        "results": results,
        "targets": [{"run": a, "target": b, "met": c, "value": d} for a, b, c, d in checks],
        "micro": micro_results,
    }
    text = table(results)
    if checks:
        text += "\n\ntargets (from issue 6; ratios within the same N of this run):\n"
        text += "\n".join(f"  {'MET   ' if c else 'MISSED'} {a}: {b} ({d})" for a, b, c, d in checks)
    if micro_results:
        text += "\n\nmicro-benchmarks:\n" + "\n".join(f"  {k}: {v}" for k, v in micro_results.items())
    print("\n" + text + "\n", flush=True)
    for name in (f"bench-{stamp}", "latest"):
        (results_dir / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (results_dir / f"{name}.txt").write_text(text + "\n")
    if plot(results, results_dir / f"bench-{stamp}.png"):
        shutil.copyfile(results_dir / f"bench-{stamp}.png", results_dir / "latest.png")
    log(f"results: {results_dir}/bench-{stamp}.{{json,txt,png}} (and latest.*)")
    produced = [r for r in results if r.get("cpu_per_camera") is not None]
    return 0 if produced and len(produced) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
