"""The report: ratios, the table, the targets, the plot and the results files of one bench run.

Works on the list of result dicts the harness returns (one per system and N) and never runs
anything. Imports only common.py.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess

from common import ROOT, log

# Live video (issue 13): the server's CPU per viewer, and each viewer's frame rate against the camera's.
LIVE_CPU_PER_VIEWER = 0.002
LIVE_FPS_RATIO = 0.90

# vms / limit targets (issue 12): the in-process limit is the judge of vms's CPU per camera.
LIMIT_TARGET_ONE = 1.5   # N = 1: vms carries ~73 MB of shared libraries and fixed threads
LIMIT_TARGET = 1.10      # N >= 8


def fmt(value, digits):
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


COLUMNS = [
    ("N", lambda r: r["cameras"]),
    ("system", lambda r: r["kind"]),
    ("CPU/cam", lambda r: fmt(r.get("cpu_per_camera"), 4)),
    ("xLimit", lambda r: fmt(r.get("vs_limit"), 2)),
    ("xFloor", lambda r: fmt(r.get("vs_floor"), 2)),
    ("xMotion", lambda r: fmt(r.get("vs_motion"), 2)),
    ("RSS MB", lambda r: fmt(r.get("peak_rss_mb"), 0)),
    ("MB/cam", lambda r: fmt(r.get("peak_rss_mb_per_camera"), 1)),
    ("windows rec/sched", lambda r: f"{r['windows_recorded']}/{r['windows_scheduled']}" if "windows_recorded" in r else "-"),
    ("static clips", lambda r: r.get("clips_in_static_periods", "-")),
    ("coverage", lambda r: fmt(r.get("coverage"), 3)),
    ("clips", lambda r: r.get("clips", "-")),
    ("sent main/sub", lambda r: f"{fmt(r.get('delivered_main'), 3)}/{fmt(r.get('delivered_sub'), 3)}"),
    ("clip frames", lambda r: fmt(r.get("clip_frames_ratio"), 3)),
    ("lat med", lambda r: fmt(r.get("latency_median_s"), 2)),
    ("lat p95", lambda r: fmt(r.get("latency_p95_s"), 2)),
    ("det", lambda r: f"{r['detected']}/{r['windows']}" if "detected" in r else "-"),
    ("CPU/viewer", lambda r: fmt(r.get("cpu_per_viewer"), 5)),
    ("viewer fps min", lambda r: fmt(r.get("live_fps_min"), 1)),
    ("src CPU/cam", lambda r: fmt(r.get("source_cpu_per_camera"), 4)),
    ("other", lambda r: fmt(r.get("other_load_cpu"), 2)),
]


def table(results):
    rows = [[str(f(r)) for _, f in COLUMNS] for r in results]
    heads = [h for h, _ in COLUMNS]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(heads)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(heads, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def add_ratios(results):
    """vms's CPU per camera over the limit's, the floor's and Motion's at the same N of this run."""
    by_n = {}
    for r in results:
        by_n.setdefault(r["cameras"], {})[r["kind"]] = r
    for n, kinds in by_n.items():
        base = {name: (kinds.get(name) or {}).get("cpu_per_camera") for name in ("limit", "floor", "motion")}
        for r in kinds.values():
            cpu = r.get("cpu_per_camera")
            if cpu is not None and r.get("live_viewers"):
                # Against the same vms without viewers: (CPU with K - CPU with 0) / K, in CPU-s/s.
                unwatched = (kinds.get(r["kind"].split("-live")[0]) or {}).get("cpu_total")
                if unwatched is not None:
                    r["cpu_per_viewer"] = round((r["cpu_total"] - unwatched) / r["live_viewers"], 5)
            elif cpu is not None and r["system"] == "vms":
                for name, value in base.items():
                    r[f"vs_{name}"] = round(cpu / value, 3) if value else None


# keyframe-only / full-rate vms (issue 15), at N = 32 with the bench's 1 s GOP on the substream.
KEYFRAME_TARGET = 0.45
KEYFRAME_TARGET_N = 32
# continuous / events-mode recording (issue 14): both copy the main stream, so within 10 %.
CONTINUOUS_TARGET = 1.10
# The variants measured against the plain vms-DETECTOR row of the same N: prefix -> (label, target, Ns judged).
VARIANTS = {"vms-kf-": ("keyframes/all", KEYFRAME_TARGET, {KEYFRAME_TARGET_N}),
            "vms-cont-": ("continuous/events", CONTINUOUS_TARGET, None)}


def variant_ratio(results, n, prefix, detector):
    """PREFIX-DETECTOR's CPU per camera over vms-DETECTOR's at N (e.g. vms-kf-mog2 / vms-mog2), or None."""
    def cpu(kind):
        r = next((r for r in results if r["cameras"] == n and r["kind"] == kind), None)
        return (r or {}).get("cpu_per_camera")
    variant, plain = cpu(f"{prefix}{detector}"), cpu(f"vms-{detector}")
    return round(variant / plain, 3) if variant is not None and plain else None


def variant_summary(results):
    """One line per variant and N: its CPU per camera over plain vms's, per detector."""
    lines = []
    for prefix, (label, target, judged) in VARIANTS.items():
        detectors = sorted({r["kind"][len(prefix):] for r in results if r["kind"].startswith(prefix)})
        for n in sorted({r["cameras"] for r in results}):
            ratios = [(d, variant_ratio(results, n, prefix, d)) for d in detectors]
            parts = [f"{d} {ratio:.2f}x" for d, ratio in ratios if ratio is not None]
            if parts:
                judged_here = judged is None or n in judged
                lines.append(f"  N={n:<3} {label}: {', '.join(parts)}"
                             + (f" (target <= {target:.2f}x)" if judged_here else ""))
    return lines


def limit_target(n):
    return LIMIT_TARGET_ONE if n == 1 else LIMIT_TARGET


def limit_summary(results):
    """The vms / limit lines: one per N, one column per detector, and what the limit did."""
    detectors = sorted({r["kind"][4:] for r in results if r["system"] == "vms" and not r.get("live_viewers")})
    lines = []
    for n in sorted({r["cameras"] for r in results}):
        limit = next((r for r in results if r["cameras"] == n and r["kind"] == "limit"), None)
        if limit is None or limit.get("cpu_per_camera") is None:
            continue
        parts = []
        for d in detectors:
            vms = next((r for r in results if r["cameras"] == n and r["kind"] == f"vms-{d}"), None)
            ratio = (vms or {}).get("vs_limit")
            parts.append(f"{d} {fmt(ratio, 2)}x")
        work = (f"limit {limit['cpu_per_camera']:.4f} CPU-s/s per camera; per camera-second it wrote "
                f"{fmt(limit.get('limit_written_fps'), 1)} main packets, decoded "
                f"{fmt(limit.get('limit_decoded_fps'), 1)} sub frames, scaled "
                f"{fmt(limit.get('limit_scaled_fps'), 2)}; camera 1's files read back "
                f"{fmt(limit.get('limit_read_back'), 3)} of the packets written")
        lines.append(f"  N={n:<3} vms/limit: {', '.join(parts)} (target <= {limit_target(n):.2f}x); {work}")
    return lines


def targets(results):
    """The issues' targets, judged per run (ratios are within one N of one bench run)."""
    checks = []
    for r in results:
        if r["system"] != "vms" or "error" in r:
            continue
        tag = f"N={r['cameras']} {r['kind']}"
        if r.get("cpu_per_viewer") is not None:
            checks.append((tag, f"server CPU per live viewer <= {LIVE_CPU_PER_VIEWER} CPU-s/s",
                           r["cpu_per_viewer"] <= LIVE_CPU_PER_VIEWER, f"{r['cpu_per_viewer']:.5f}"))
        if r.get("live_fps_ratio_min") is not None:
            checks.append((tag, f"every live viewer at the camera's frame rate (>= {LIVE_FPS_RATIO:.0%})",
                           r["live_fps_ratio_min"] >= LIVE_FPS_RATIO, fmt(r["live_fps_ratio_min"], 3)))
        if r.get("vs_limit") is not None:
            goal = limit_target(r["cameras"])
            checks.append((tag, f"CPU <= {goal:.2f}x the in-process limit", r["vs_limit"] <= goal,
                           f"{r['vs_limit']:.2f}x"))
        if r.get("vs_motion") is not None:
            checks.append((tag, "CPU <= 0.5x Motion", r["vs_motion"] <= 0.5, f"{r['vs_motion']:.2f}x"))
        if r.get("vs_floor") is not None:
            checks.append((tag, "CPU <= 0.5x floor", r["vs_floor"] <= 0.5, f"{r['vs_floor']:.2f}x"))
        if "windows_recorded" in r:
            checks.append((tag, "every window recorded", r["windows_recorded"] == r["windows_scheduled"],
                           f"{r['windows_recorded']}/{r['windows_scheduled']}"))
        if "clips_in_static_periods" in r:
            checks.append((tag, "no clip in static periods", r["clips_in_static_periods"] == 0,
                           str(r["clips_in_static_periods"])))
        if r.get("coverage") is not None:
            checks.append((tag, "continuous segments cover the measured time (>= 99%)", r["coverage"] >= 0.99,
                           fmt(r["coverage"], 3)))
        ratio = r.get("clip_frames_ratio")
        if ratio is not None:
            checks.append((tag, "frames in clips = duration x 25 fps (none lost, none foreign)",
                           0.99 <= ratio <= 1.01, fmt(ratio, 3)))
        delivered = min(r.get("delivered_main") or 0, r.get("delivered_sub") or 0)
        checks.append((tag, "streams kept up with real time (source sent >= 99%)", delivered >= 0.99,
                       fmt(delivered, 3)))
        for prefix, (label, target, judged) in VARIANTS.items():
            if r["kind"].startswith(prefix) and (judged is None or r["cameras"] in judged):
                ratio = variant_ratio(results, r["cameras"], prefix, r["kind"][len(prefix):])
                if ratio is not None:
                    checks.append((tag, f"CPU <= {target:.2f}x plain vms ({label})", ratio <= target,
                                   f"{ratio:.2f}x"))
        # Keyframe-only detection sees motion up to a GOP late by design (pre-roll covers it).
        if r["cameras"] >= 32 and not r["kind"].startswith("vms-kf-"):
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
    kinds = sorted({r["kind"] for r in results if not r.get("live_viewers")})
    for kind in kinds:
        pts = sorted((r["cameras"], r["cpu_per_camera"]) for r in results
                     if r["kind"] == kind and r.get("cpu_per_camera") is not None)
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=kind,
                    linestyle="--" if kind == "limit" else "-")
    ax.set_xscale("log", base=2)
    scales = sorted({r["cameras"] for r in results})
    ax.set_xticks(scales)
    ax.set_xticklabels([str(n) for n in scales])
    ax.minorticks_off()
    ax.set_xlabel("cameras (N)")
    ax.set_ylabel("CPU seconds per camera-second")
    ax.set_title("Cost per camera: vms vs the in-process limit, the FFmpeg-CLI floor, Motion")
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write(results, micro, run, results_dir, started, binaries):
    """Prints the table, the vms/limit ratios and the targets; writes bench-STAMP.{json,txt,png} and
    latest.* into `results_dir`. `run`: the run's settings (quick, seconds, warm-up, media)."""
    add_ratios(results)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    checks = targets(results)
    built = {name: datetime.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
             for name, path in binaries.items() if path is not None and path.exists()}
    report = {
        "started": started.isoformat(timespec="seconds"),
        **run,
        "machine": {"cpus": os.cpu_count(), "load_at_end": os.getloadavg()},
        "vms_binary": str(binaries.get("vms")), "limit_binary": str(binaries.get("limit")),
        "binaries_built": built,
        "git_head": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                   capture_output=True, text=True).stdout.strip(),
        "results": results,
        "targets": [{"run": a, "target": b, "met": c, "value": d} for a, b, c, d in checks],
        "micro": micro,
    }
    text = table(results)
    summary = limit_summary(results)
    if summary:
        text += "\n\nvms / in-process limit (CPU per camera, same N, same run):\n" + "\n".join(summary)
    variants = variant_summary(results)
    if variants:
        text += "\n\nvariants / plain vms (CPU per camera, same N, same run):\n" + "\n".join(variants)
    if checks:
        text += "\n\ntargets (issue 6; issue 12 for the limit; ratios within the same N of this run):\n"
        text += "\n".join(f"  {'MET   ' if c else 'MISSED'} {a}: {b} ({d})" for a, b, c, d in checks)
    if micro:
        text += "\n\nmicro-benchmarks:\n" + "\n".join(f"  {k}: {v}" for k, v in micro.items())
    print("\n" + text + "\n", flush=True)
    for name in (f"bench-{stamp}", "latest"):
        (results_dir / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (results_dir / f"{name}.txt").write_text(text + "\n")
    if plot(results, results_dir / f"bench-{stamp}.png"):
        shutil.copyfile(results_dir / f"bench-{stamp}.png", results_dir / "latest.png")
    log(f"results: {results_dir}/bench-{stamp}.{{json,txt,png}} (and latest.*)")
