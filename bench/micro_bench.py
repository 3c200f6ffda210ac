"""Micro-benchmarks of bench/bench.py (also runnable alone: /usr/bin/python3 bench/micro_bench.py).

- detectors: per-frame cost of each detector at 320x180, from the Swift package bench/micro (needs a
  `Detectors` library product in the root Package.swift; skipped with a note otherwise);
- timeline: GET /api/v1/cameras/{id}/clips?date=DAY for a day with 2,000 clips (signed in by cookie);
- start-up: `vms serve` until /api/v1/health answers, with 100,000 clips in the index (50 days of
  2,000 clips, each with its file, so the start-up consistency check has real work), against an
  empty index.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import shutil
import sqlite3
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import BENCH, ROOT, USER, PASSWORD, free_port, hash_password, vms_binary

CLIPS = 100_000
PER_DAY = 2_000


class Server:
    def __init__(self, binary, workdir, password_hash):
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.data = workdir / "data"
        (workdir / "vms.yaml").write_text(
            f"server:\n  listen: \"127.0.0.1:{self.port}\"\n  data_dir: \"{self.data}\"\n"
            f"auth:\n  users:\n    - name: {USER}\n      password_hash: \"{password_hash}\"\n      role: admin\n"
            f"storage:\n  retention_days: 0\n  max_bytes: 0\n  min_free_bytes: 0\n"
            f"cameras:\n  cam1:\n    enabled: false\n    record_url: \"rtsp://127.0.0.1:9/none\"\n")
        self.proc = None

    def start(self, timeout=300):
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [str(self.binary), "serve", "--config", str(self.workdir / "vms.yaml")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "vms.stderr", "ab"), cwd=self.workdir)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vms exited {self.proc.returncode} (see {self.workdir}/vms.stderr)")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=2):
                    return time.monotonic() - began
            except (urllib.error.URLError, OSError):
                if time.monotonic() - began > timeout:
                    raise RuntimeError("vms did not answer /api/v1/health")
                time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def fill_index(data: Path, days):
    """100,000 complete clips of camera cam1, PER_DAY per local day, each with a 16-byte file."""
    db = sqlite3.connect(data / "vms.sqlite")
    content = b"\0" * 16
    rows = []
    spacing = 86400 / PER_DAY
    for day in days:
        midnight = datetime.datetime.combine(day, datetime.time()).timestamp()
        folder = data / "recordings" / "cam1" / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(PER_DAY):
            start = midnight + i * spacing
            local = time.localtime(start)
            name = f"recordings/cam1/{day.isoformat()}/{local.tm_hour:02d}-{local.tm_min:02d}-{local.tm_sec:02d}.mp4"
            (data / name).write_bytes(content)
            ms = int(start * 1000)
            rows.append(("cam1", ms, ms + 20_000, 20_000, len(content), name, "complete"))
    db.executemany(
        "INSERT INTO clip (camera_id, start_ms, end_ms, duration_ms, size_bytes, file, state) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def timeline(port, day, repeats=30):
    origin = f"http://127.0.0.1:{port}"
    login = urllib.request.Request(
        origin + "/api/v1/login", data=json.dumps({"name": USER, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "Origin": origin}, method="POST")
    with urllib.request.urlopen(login, timeout=30) as r:
        cookie = r.headers.get("Set-Cookie", "").split(";")[0]
    times, count = [], 0
    for _ in range(repeats):
        req = urllib.request.Request(f"{origin}/api/v1/cameras/cam1/clips?date={day}", headers={"Cookie": cookie})
        began = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        times.append((time.perf_counter() - began) * 1000)
        count = len(json.loads(body))
    times.sort()
    return {"clips_returned": count, "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2), "bytes": len(body)}


def detector_bench(log):
    manifest = (ROOT / "Package.swift").read_text()
    if '.library(name: "Detectors"' not in manifest.replace("  ", " "):
        return {"skipped": 'the root Package.swift has no Detectors library product; add '
                           '.library(name: "Detectors", targets: ["Detectors"]) to its products'}
    micro = BENCH / "micro"
    log("micro: building bench/micro in release (through /tmp/vms-build.lock)")
    build = subprocess.run(["flock", "/tmp/vms-build.lock", "swift", "build", "-c", "release"],
                           cwd=micro, capture_output=True, text=True)
    if build.returncode != 0:
        return {"skipped": "bench/micro did not build: " + build.stderr[-500:]}
    out = subprocess.run([str(micro / ".build" / "release" / "detector-bench"), "3000"],
                         capture_output=True, text=True, timeout=300)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"skipped": "detector-bench printed no JSON: " + out.stderr[-300:]}


def run(binary, results_dir: Path, log, password_hash=None):
    out = {"detectors_320x180": detector_bench(log)}
    work = results_dir / "work" / "micro"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    password_hash = password_hash or hash_password(binary)
    server = Server(binary, work, password_hash)
    try:
        empty = [server.start()]
        server.stop()
        empty.append(server.start())
        server.stop()
        today = datetime.date.today()
        days = [today - datetime.timedelta(days=d) for d in range(1, CLIPS // PER_DAY + 1)]
        log(f"micro: filling the index with {CLIPS} clips and files")
        began = time.monotonic()
        fill_index(server.data, days)
        log(f"micro: filled in {time.monotonic() - began:.1f} s; timing start-up")
        full = [server.start()]
        out["timeline_day_2000_clips"] = timeline(server.port, days[0].isoformat())
        server.stop()
        full.append(server.start())
        server.stop()
        out["startup_s"] = {"empty_index": [round(x, 3) for x in empty],
                            f"{CLIPS}_clips": [round(x, 3) for x in full]}
    except Exception as error:
        out["error"] = str(error)
    finally:
        server.stop()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return out


if __name__ == "__main__":
    print(json.dumps(run(vms_binary(), BENCH / "results", lambda m: print(m, flush=True)), indent=2))
