"""The harness: one measured run of one system at one scale, and what it needs beforehand.

`run_one(kind, n, ...)`: start N test cameras, start the system, warm up W seconds, measure T seconds
(CPU of the system's processes, peak RSS, the source's CPU, the machine's other load, frames the
source sent), stop everything it started, then the system's own checks: for vms, windows recorded /
scheduled, clips in static periods, frames in clips, motion latency; for the limit, the work it
reports having done; for Motion, its hook's events and movie files.
A kind vms-DETECTOR-liveK is vms watched by K live viewers of camera 1's main stream
(live_viewers.py), opened after the warm-up and started before the measurement: its CPU against the
vms-DETECTOR row of the same N is the cost per viewer, and each viewer's frames are counted.
`ensure_media`, `ensure_motion`, `ensure_matplotlib`: the preparation.
Imports systems.py, live_viewers.py and common.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import time

import live_viewers
import systems
from common import (BENCH, MEDIA, PASSWORD, USER, apt_install, count_packets, log, machine_busy_seconds,
                    percentile, proc_cpu_seconds)
from systems import LimitSystem, MotionSystem, Source, VmsSystem

# What vms is told (and the limit mirrors): detector rate, pre-roll, post-roll, minimum clip.
SETTINGS = {"detect_fps": 5, "pre_roll": 2, "post_roll": 3, "min_duration": 5}


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


def clip_stats(data_dir, source, lo, hi, window, fps, continuous=False):
    """Windows in [lo, hi] with a clip overlapping them; clips overlapping no window at all (not for
    `continuous` recording, whose segments cover still periods by design: there, the share of
    [lo, hi] the segments cover instead); frames in clips against duration x fps."""
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
    covered = 0.0
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
            covered += max(0.0, min(e, hi) - max(s, lo))  # segments do not overlap
    # A camera's first continuous segment starts with the burst a new RTSP session delivers, which
    # its row (wall-clock time from the first packet) does not cover: judged from the second on.
    firsts = {cam[0][4] for cam in by_cam.values()} if continuous else set()
    for c in rows:
        path = data_dir / c[4]
        if path.exists() and c[3] > 0 and c[4] not in firsts:
            frames += count_packets(path)
            expected += c[3] / 1000 * fps
    if continuous:
        cameras = len(source.onsets)
        return {
            "windows_scheduled": scheduled, "windows_recorded": recorded, "clips": len(rows),
            "coverage": round(covered / (cameras * (hi - lo)), 4) if cameras and hi > lo else None,
            "clip_frames": frames, "clip_frames_expected": round(expected),
            "clip_frames_ratio": round(frames / expected, 4) if expected else None,
        }
    return {
        "windows_scheduled": scheduled, "windows_recorded": recorded, "clips": len(rows),
        "clips_in_static_periods": static,
        "clip_frames": frames, "clip_frames_expected": round(expected),
        "clip_frames_ratio": round(frames / expected, 4) if expected else None,
    }


def limit_stats(system, n):
    """What the limit says it did, per camera and second of its own life (connection included), and
    whether its files hold it: the video packets ffprobe reads back from camera 1's files against
    the packets the limit says it wrote there (1.0: every written frame is in a readable file)."""
    counts = system.counts
    if len(counts) != n:
        return {"limit_counts_missing": n - len(counts)}
    seconds = sum(c["seconds"] for c in counts) or 1.0
    cam1 = next(c for c in counts if c["camera"] == 1)
    read_back = sum(count_packets(f) for f in system.files() if f.parent.name == "cam1")
    return {
        "clips": sum(c["files"] for c in counts),
        "limit_read_back": round(read_back / cam1["packets_written"], 4) if cam1["packets_written"] else None,
        "limit_written_fps": round(sum(c["packets_written"] for c in counts) / seconds, 2),
        "limit_decoded_fps": round(sum(c["frames_decoded"] for c in counts) / seconds, 2),
        "limit_scaled_fps": round(sum(c["frames_scaled"] for c in counts) / seconds, 2),
        "limit_mb_written": round(sum(c["bytes_written"] for c in counts) / 1e6, 1),
    }


def live_count(kind):
    """K of a vms-DETECTOR-liveK kind, else 0."""
    _, _, k = kind.partition("-live")
    return int(k) if k else 0


def live_stats(counts0, counts1, wall, fps):
    """Each viewer's frames per second over the measurement, against the camera's rate."""
    rates = [(f1 - f0) / wall for (f0, _), (f1, _) in zip(counts0, counts1)]
    return {
        "live_fps_min": round(min(rates), 2), "live_fps_max": round(max(rates), 2),
        "live_fps_ratio_min": round(min(rates) / fps, 4),
        "live_skips": sum(s1 - s0 for (_, s0), (_, s1) in zip(counts0, counts1)),
    }


def run_one(kind, n, args, results_dir, binaries, password_hash, schedule):
    """One system (`kind`: vms-DETECTOR, limit, floor, motion) at N cameras. `binaries`: {"vms": path,
    "limit": path}. Returns the result's dict; an "error" key when the run failed."""
    tag = f"n{n}-{kind}"
    workdir = results_dir / "work" / tag
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    window = schedule["window_seconds"]
    fps = schedule["fps"]
    log(f"{tag}: starting {n} camera(s) and the system; warm-up {args.warmup:g} s, measure {args.seconds:g} s")
    source = Source(n, workdir)
    system = None
    result = {"system": kind.split("-")[0], "kind": kind, "cameras": n}
    viewers = []
    k = live_count(kind)
    if k:
        result["live_viewers"] = k
    try:
        t_launch = time.time()
        system = systems.make(kind, source, workdir, vms=binaries.get("vms"), limit=binaries.get("limit"),
                              password_hash=password_hash, settings=SETTINGS)
        if isinstance(system, VmsSystem):
            result["startup_s"] = round(system.startup_seconds, 3)
        time.sleep(max(0.0, args.warmup - (time.time() - t_launch)))
        if not system.alive():
            raise RuntimeError(f"{kind} died during the warm-up (see {workdir})")
        if k:
            viewers = live_viewers.open_viewers(k, system.port, "cam1", USER, PASSWORD)
            if not live_viewers.wait_started(viewers):
                raise RuntimeError(f"{kind}: a live viewer got no fragment in 10 s")
            time.sleep(2)  # past the newest keyframe's burst: the measurement sees the steady state
            live0 = live_viewers.counts(viewers)
        sent0 = source.frame_counts()
        c0, s0, m0, t0 = system.cpu(), source.cpu(), machine_busy_seconds(), time.time()
        me0 = proc_cpu_seconds(os.getpid())
        time.sleep(args.seconds)
        c1, s1, m1, t1 = system.cpu(), source.cpu(), machine_busy_seconds(), time.time()
        me1 = proc_cpu_seconds(os.getpid())
        if k:
            result.update(live_stats(live0, live_viewers.counts(viewers), t1 - t0, fps))
            errors = [v.error for v in viewers if v.error]
            if errors:
                result["live_error"] = errors[0]
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
            modes = {c.get("detect_decode") for c in (health.get("cameras") or {}).values()}
            result["detect_decode"] = ",".join(sorted(m or "-" for m in modes))
        for viewer in viewers:
            viewer.close()
        viewers = []
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
        if isinstance(system, LimitSystem):
            result.update(limit_stats(system, n))
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
            result.update(clip_stats(system.data, source, lo, hi, window, fps, continuous=system.continuous))
            if system.events.error:
                result["websocket_error"] = system.events.error
        system = None
    except Exception as error:
        result["error"] = str(error)
        log(f"{tag}: FAILED: {error}")
    finally:
        for viewer in viewers:
            viewer.close()
        if system is not None:
            try:
                system.close()
            except Exception:
                pass
        source.close()
        if not args.keep:
            for sub in ("data", "movies", "limit"):
                shutil.rmtree(workdir / sub, ignore_errors=True)
            for f in workdir.glob("floor-cam*.mp4"):
                f.unlink()
    log(f"{tag}: " + ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("system", "kind", "cameras")))
    return result


# ---------------------------------------------------------------------------------------------
# preparation


def ensure_media():
    subprocess.run([str(BENCH / "make-media.sh"), str(MEDIA)], check=True)
    return json.loads((MEDIA / "schedule.json").read_text())


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
