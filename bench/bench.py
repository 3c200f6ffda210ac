#!/usr/bin/python3
"""make bench: the cost per camera of vms, side by side with the in-process limit, the FFmpeg-CLI
floor and Motion, in one run.

For every scale N and every system, in turn and on the same streams (harness.run_one):
  1. start N test cameras (bench/rtsp_source.py: pre-encoded H.264, looped, packetised, not decoded),
  2. start the system (vms with each detector; the limit = Sources/vms-limit, the unavoidable work
     in one process; the floor = one `ffmpeg` per camera; Motion),
  3. let it warm up W seconds, then measure T seconds:
     CPU seconds per camera-second of the system's processes (utime+stime from /proc/PID/stat),
     peak RSS (VmHWM), the source's own CPU and the machine's other load, and for vms:
     motion windows recorded / scheduled, clips in static periods, frames in clips / expected,
     and motion latency (scheduled onset -> WebSocket motion event),
  4. stop everything it started.
Results (report.py): a table, vms / limit at each N, the targets on stdout; JSON + a text table + a
PNG plot in bench/results/ (see bench/README.md).

Modules, importing one way: bench.py (this command line) -> harness.py (one measured run) ->
systems.py (vms, limit, floor, Motion, the camera source) -> common.py; report.py and micro_bench.py
-> common.py.

Environment (or flags): BENCH_QUICK=1 (N=1, 10 s, vms mog2 + limit + floor (+ Motion when installed)),
BENCH_SCALES=1,8,32,64  BENCH_SECONDS=60  BENCH_WARMUP=15  BENCH_DETECTORS=mog2,framediff
BENCH_SYSTEMS=vms,vms-kf,vms-cont,limit,floor,motion (vms-kf: vms with `decode: keyframes`; vms-cont:
vms with `recording.mode: continuous` in 1-minute segments, run at N in BENCH_CONT_SCALES=8,32 only)
BENCH_LIVE=1,10 (live
viewers of camera 1's main stream: rows vms-DETECTOR-liveK at the smallest N, next to the vms-DETECTOR
row; none with --quick unless set)  BENCH_MICRO=0 (skip the micro-benchmarks)  BENCH_KEEP=1 (keep
the work directories with recordings)  VMS_BIN (default .build/release/vms)  VMS_LIMIT_BIN (default
vms-limit next to VMS_BIN).
Run with Debian's /usr/bin/python3 (GStreamer's gi and matplotlib come from Debian packages).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

import harness
import micro_bench
import report
from common import BENCH, env_list, hash_password, limit_binary, log, vms_binary


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    quick_env = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    p.add_argument("--quick", action="store_true", default=quick_env)
    p.add_argument("--scales", default=None)
    p.add_argument("--seconds", type=float, default=None)
    p.add_argument("--warmup", type=float, default=None)
    p.add_argument("--detectors", default=None)
    p.add_argument("--systems", default=None)
    p.add_argument("--live", default=None)
    p.add_argument("--micro", default=os.environ.get("BENCH_MICRO", ""))
    p.add_argument("--keep", action="store_true", default=os.environ.get("BENCH_KEEP", "") not in ("", "0"))
    p.add_argument("--out", default=str(BENCH / "results"))
    args = p.parse_args(argv)
    q = args.quick
    args.scales = [int(x) for x in (args.scales.split(",") if args.scales else env_list("BENCH_SCALES", "1" if q else "1,8,32,64"))]
    args.seconds = args.seconds or float(os.environ.get("BENCH_SECONDS", 10 if q else 60))
    args.warmup = args.warmup if args.warmup is not None else float(os.environ.get("BENCH_WARMUP", 5 if q else 15))
    detectors = args.detectors.split(",") if args.detectors else env_list("BENCH_DETECTORS", "mog2" if q else "mog2,framediff")
    systems = args.systems.split(",") if args.systems else env_list(
        "BENCH_SYSTEMS", "vms,vms-kf,vms-cont,limit,floor,motion")
    cont_scales = {int(x) for x in env_list("BENCH_CONT_SCALES", "8,32")}
    micro = (args.micro or ("0" if q else "1")) not in ("0", "")
    live = [int(x) for x in (args.live.split(",") if args.live is not None
                             else env_list("BENCH_LIVE", "" if q else "1,10")) if x]

    binaries = {"vms": vms_binary()}
    binaries["limit"] = limit_binary(binaries["vms"])
    for name in ("vms", "limit"):
        if name in systems and not binaries[name].exists():
            print(f"bench: {binaries[name]} is missing: build it first (flock /tmp/vms-build.lock swift build "
                  f"-c release builds both vms and vms-limit)", file=sys.stderr)
            return 2
    results_dir = Path(args.out).resolve()  # the systems run in their own work directories
    results_dir.mkdir(parents=True, exist_ok=True)
    schedule = harness.ensure_media()
    if "motion" in systems and not harness.ensure_motion(install=not q):
        log("Motion is not installed: skipping the Motion baseline")
        systems = [s for s in systems if s != "motion"]
    harness.ensure_matplotlib(install=not q)
    password_hash = hash_password(binaries["vms"]) if any(s.startswith("vms") for s in systems) or micro else None

    if q and not os.environ.get("BENCH_SYSTEMS") and not args.systems:
        systems = [s for s in systems if s not in ("vms-kf", "vms-cont")]  # the quick run stays quick
    kinds = []
    for s in systems:
        if s in ("vms", "vms-kf", "vms-cont"):
            kinds += [f"{s}-{d}" for d in detectors]
        else:
            kinds.append(s)
    # Live viewers: at the smallest N, right after the first detector's row they are measured against.
    live_kinds = [f"vms-{detectors[0]}-live{k}" for k in live] if "vms" in systems else []
    started = datetime.datetime.now()
    log(f"scales {args.scales}, systems {kinds}, warm-up {args.warmup:g} s, measure {args.seconds:g} s")
    results = []
    for n in args.scales:
        for kind in kinds:
            if kind.startswith("vms-cont-") and n not in cont_scales:
                continue
            results.append(harness.run_one(kind, n, args, results_dir, binaries, password_hash, schedule))
            if n == min(args.scales) and kind == f"vms-{detectors[0]}":
                for live_kind in live_kinds:
                    results.append(harness.run_one(live_kind, n, args, results_dir, binaries, password_hash,
                                                   schedule))

    micro_results = micro_bench.run(binaries["vms"], results_dir, log, password_hash) if micro else None
    run = {"quick": q, "seconds": args.seconds, "warmup": args.warmup, "media": schedule,
           "settings": harness.SETTINGS}
    report.write(results, micro_results, run, results_dir, started, binaries)
    produced = [r for r in results if r.get("cpu_per_camera") is not None]
    return 0 if produced and len(produced) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
