#!/usr/bin/python3
"""Profile vms (or the in-process limit, Sources/vms-limit) under the benchmark's load: N test
cameras, warm-up, then `perf record -g` on the process for S seconds. Writes
bench/results/profile-N<n>-<system>-STAMP.txt: CPU by thread, the flat profile by shared object and
by symbol (self time), and the callers of the top symbols, Swift names demangled.

usage: /usr/bin/python3 bench/profile.py [--cameras 8] [--system vms-mog2|vms-framediff|limit|vms-mog2-live10]
                                         [--seconds 20] [--warmup 15]
(`--detector D` is `--system vms-D`; `vms-D-liveK`: with K live viewers of camera 1's main stream.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import harness
import live_viewers
import systems
from common import BENCH, CLK_TCK, PASSWORD, USER, hash_password, limit_binary, vms_binary


def demangle(text):
    swift = shutil.which("swift-demangle") or shutil.which("swift")
    if not swift:
        return text
    argv = [swift] if swift.endswith("swift-demangle") else [swift, "demangle"]
    out = subprocess.run(argv + ["--simplified"], input=text, capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else text


def thread_cpu(pid):
    """{tid: (thread name, utime+stime seconds)} of every thread of a process."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            text = (task / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        out[task.name] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def context_switches(pid):
    """(voluntary, involuntary) context switches summed over the threads of a process."""
    vol = invol = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    vol += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    invol += int(line.split()[1])
        except OSError:
            continue
    return vol, invol


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cameras", type=int, default=8)
    p.add_argument("--system", default=None)
    p.add_argument("--detector", default="mog2")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--warmup", type=float, default=15)
    p.add_argument("--frequency", type=int, default=499)
    args = p.parse_args()
    kind = args.system or f"vms-{args.detector}"
    if not shutil.which("perf"):
        print("profile: perf is missing (apt-get install linux-perf)", file=sys.stderr)
        return 2
    vms = vms_binary()
    results = BENCH / "results"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    work = results / "work" / f"profile-{stamp}"
    work.mkdir(parents=True)
    harness.ensure_media()
    password_hash = hash_password(vms) if kind.startswith("vms-") else None
    source = systems.Source(args.cameras, work)
    system = None
    viewers = []
    try:
        system = systems.make(kind, source, work, vms=vms, limit=limit_binary(vms),
                              password_hash=password_hash, settings=harness.SETTINGS)
        time.sleep(args.warmup)
        if harness.live_count(kind):
            viewers = live_viewers.open_viewers(harness.live_count(kind), system.port, "cam1", USER, PASSWORD)
            live_viewers.wait_started(viewers)
            time.sleep(2)
        data = work / "perf.data"
        c0 = system.cpu()
        threads0 = thread_cpu(system.proc.pid)
        switches0 = context_switches(system.proc.pid)
        subprocess.run(["perf", "record", "-q", "-F", str(args.frequency), "-g", "-o", str(data),
                        "-p", str(system.proc.pid), "--", "sleep", str(args.seconds)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu = (system.cpu() - c0) / (args.cameras * args.seconds)
        threads1 = thread_cpu(system.proc.pid)
        switches1 = context_switches(system.proc.pid)
        by_name = {}
        for tid, (name, value) in threads1.items():
            before = threads0.get(tid, (name, 0.0))[1]
            group = name.rstrip("0123456789-_ ") or name
            by_name.setdefault(group, [0.0, 0])
            by_name[group][0] += value - before
            by_name[group][1] += 1
        total = sum(v[0] for v in by_name.values()) or 1.0
        lines = [f"==== CPU by thread name (digits stripped), {len(threads1)} threads ===="]
        for group, (value, count) in sorted(by_name.items(), key=lambda kv: -kv[1][0]):
            lines.append(f"  {value / total * 100:5.1f}%  {value / (args.cameras * args.seconds):.4f} CPU/cam"
                         f"  {count:3d} x {group}")
        lines.append(f"  context switches per camera-second: voluntary "
                     f"{(switches1[0] - switches0[0]) / (args.cameras * args.seconds):.0f}, involuntary "
                     f"{(switches1[1] - switches0[1]) / (args.cameras * args.seconds):.0f}")
        report = [f"{kind} profile: {args.cameras} cameras, {args.seconds:g} s "
                  f"after {args.warmup:g} s warm-up; CPU per camera during the recording: {cpu:.4f} "
                  f"(perf adds a little)\n", "\n".join(lines) + "\n"]
        for title, sort in (("by shared object", "dso"), ("by symbol (self)", "dso,sym")):
            out = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio", "-g", "none",
                                  "--percent-limit", "0.7", "--sort", sort],
                                 capture_output=True, text=True)
            report.append(f"==== {title} ====\n" + demangle(out.stdout))
        out = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio",
                              "-g", "caller,0.5,callee,function,percent", "--percent-limit", "3",
                              "--sort", "sym"], capture_output=True, text=True)
        report.append("==== callers of the top symbols ====\n" + demangle(out.stdout))
        path = results / f"profile-N{args.cameras}-{kind}-{stamp}.txt"
        path.write_text("\n".join(report))
        print(f"profile: {path}")
    finally:
        for viewer in viewers:
            viewer.close()
        if system is not None:
            system.close()
        source.close()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
