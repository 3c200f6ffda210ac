"""The bottom of the benchmark's modules: paths, logging, /proc readers, process control, small
helpers shared by the harness, the systems, the report, the micro-benchmarks and the profiler.

Imports nothing of the bench; everything else imports this (never the other way round):
  bench.py -> harness.py -> systems.py -> common.py
  bench.py -> report.py -> common.py
  bench.py -> micro_bench.py -> common.py;  profile.py -> harness.py, systems.py, common.py
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MEDIA = BENCH / "media"
CLK_TCK = os.sysconf("SC_CLK_TCK")
USER, PASSWORD = "bench", "bench-password"


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


def env_list(name, default):
    value = os.environ.get(name)
    return [x.strip() for x in (value or default).split(",") if x.strip()]


def apt_install(package):
    log(f"installing Debian's {package} (apt-get install -y {package})")
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]
    if os.geteuid() != 0:
        cmd = ["sudo", "-n"] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env).returncode == 0


def hash_password(binary):
    out = subprocess.run([str(binary), "hash-password"], input=PASSWORD + "\n", capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"vms hash-password failed: {out.stderr}")
    return out.stdout.strip().splitlines()[-1].strip()


def vms_binary():
    """VMS_BIN (relative to the repository when not absolute), default .build/release/vms."""
    binary = Path(os.environ.get("VMS_BIN", ROOT / ".build" / "release" / "vms"))
    return binary if binary.is_absolute() else ROOT / binary


def limit_binary(vms):
    """VMS_LIMIT_BIN, default `vms-limit` next to the vms binary (same build, same configuration)."""
    binary = Path(os.environ.get("VMS_LIMIT_BIN", Path(vms).parent / "vms-limit"))
    return binary if binary.is_absolute() else ROOT / binary
