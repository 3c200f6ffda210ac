"""End-to-end test of a full data disk (issue 5, "Disk pressure"): a real small disk (a 64 MB tmpfs
mounted by the test as the data directory), a real camera, the real janitor.

Filled with a ballast file under storage.min_free_bytes, the janitor first deletes what retention
may delete (the oldest recordings, never an archive), then pauses recording: every camera shows
"disk full" in its status while staying connected, a clip being recorded is closed cleanly at the
next keyframe, motion records nothing, and every clip left decodes. Once the ballast is gone,
the status clears by itself and the next motion records a clip again.

The janitor measures free space every 10 s (StorageJanitor.pressureInterval): the test waits for it
with deadlines rather than shortening it.

Needs root or passwordless sudo (mount). Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_disk_full.py -q
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

import vmstest
from test_api import ADMIN, call
from vmstest import HealthWatcher, camera_config, decode_errors, read_clips, run_vms, wait_until

DISK = "64m"
MIN_FREE = 40_000_000
LEFT_FREE = 20_000_000  # what the ballast leaves: under MIN_FREE, room enough to finish a clip
PRESSURE_DEADLINE = 30  # the janitor's 10 s check, a pass, and slack for a loaded machine
FAST_CAM = dict(fps=10, gop=10, motion_duration=3)
SETTINGS = dict(detector="mog2", fps=5, warmup="1s", pre_roll="2s", post_roll="2s", min_duration="4s")


@pytest.fixture
def small_disk(request, workdir):
    """`workdir/data` as a 64 MB tmpfs. A refused mount fails the test: a skipped test would hide
    that the disk-full path is not tested at all."""
    data = workdir / "data"
    data.mkdir()
    # Not root (a CI runner): passwordless sudo, never a password prompt.
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    mounted = subprocess.run([*sudo, "mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(data)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a {DISK} tmpfs on {data} (exit {mounted.returncode}: "
                    f"{mounted.stderr.strip()}): run this test as root or with passwordless sudo, "
                    "where mount -t tmpfs is allowed", pytrace=False)
    if sudo:  # the mount is root's: let the test and vms write to it
        subprocess.run([*sudo, "chown", f"{os.getuid()}:{os.getgid()}", str(data)], check=True)
    try:
        yield data
    finally:
        failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
                     for when in ("setup", "call"))
        if failed:  # the artifacts are copied after this finalizer: keep the disk's content for them
            shutil.copytree(data, workdir / "data-on-tmpfs", dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("ballast.bin"))
        if subprocess.run([*sudo, "umount", str(data)], capture_output=True).returncode != 0:
            subprocess.run([*sudo, "umount", "-l", str(data)], capture_output=True)


def free_bytes(path: Path) -> int:
    info = os.statvfs(path)
    return info.f_bavail * info.f_frsize


def fill(path: Path, size: int):
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            left -= f.write(chunk[:min(left, len(chunk))])
        f.flush()
        os.fsync(f.fileno())


class Mover(threading.Thread):
    """Keeps the scene moving: a 3 s crossing every 2 s until stopped."""

    def __init__(self, cam):
        super().__init__(name="mover", daemon=True)
        self.cam = cam
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.cam.trigger_motion()
            self.halt.wait(2.0)

    def stop(self):
        self.halt.set()
        self.join(timeout=10)


def status(server):
    return server.camera_status("disk") or {}


def check_every_clip(server):
    """Every row has its file, with the size the index says, and decodes without an error."""
    rows = read_clips(server.data_dir)
    for row in rows:
        path = server.data_dir / row["file"]
        assert path.is_file(), f"row without its file: {row}"
        if row["state"] == "complete":
            assert path.stat().st_size == row["size_bytes"], row
            errors = decode_errors(path)
            assert errors == "", f"{row['file']} does not decode cleanly:\n{errors[:2000]}"
    return rows


@pytest.mark.slow
def test_full_disk_pauses_recording_and_resumes(workdir, small_disk, testcam, vms):
    cam = testcam("disk", **FAST_CAM)
    server = vms({"disk": camera_config(cam.url, **SETTINGS)})
    assert server.data_dir == small_disk
    text = server.config_path.read_text()
    assert "min_free_bytes: 0" in text
    server.write_config_text(text.replace("min_free_bytes: 0", f"min_free_bytes: {MIN_FREE}"))
    server.start()
    vmstest.wait_connected_and_warm(server, "disk", 1.0)

    def clips(state=None):
        return [c for c in read_clips(server.data_dir, "disk") if state is None or c["state"] == state]

    def wait_complete(count, timeout=25):
        return wait_until(lambda: clips("complete") if len(clips("complete")) >= count else None, timeout,
                          f"{count} complete clip(s)", details=lambda: f"{clips()}\n{server.log_tail()}")

    # Room on the disk: two clips; the first is archived (archives are never deleted for space).
    cam.trigger_motion()
    archived = wait_complete(1)[0]
    answer = call(server, "POST", f"/api/v1/clips/{archived['id']}/archive", headers=ADMIN)
    assert answer.status == 200, answer
    cam.trigger_motion()
    recorded = next(c for c in wait_complete(2) if c["id"] != archived["id"])
    assert status(server).get("error") is None, status(server)

    with HealthWatcher(server) as watch:
        # A clip is being recorded when the disk fills.
        mover = Mover(cam)
        mover.start()
        try:
            open_clip = wait_until(lambda: (clips("recording") or [None])[0], 15, "a clip being recorded",
                                   details=server.log_tail)
            fill(small_disk / "ballast.bin", free_bytes(small_disk) - LEFT_FREE)
            filled_at = time.time()

            paused = wait_until(lambda: "disk full" in (status(server).get("error") or "") and status(server),
                                PRESSURE_DEADLINE, 'status error "disk full"',
                                details=lambda: f"{status(server)}\n{server.log_tail()}")
            print(f"paused {time.time() - filled_at:.1f} s after the disk filled: {paused['error']}")
            assert paused["state"] == "connected", paused
            assert "min_free_bytes" in paused["error"], "the status says which setting and what to do"
            # Before pausing, the janitor freed what it may: the oldest recording, not the archive.
            ids = {c["id"] for c in clips()}
            assert recorded["id"] not in ids, "the unarchived recording should have been deleted for space"
            assert not (server.data_dir / recorded["file"]).exists()
            assert archived["id"] in ids, "an archive was deleted to make room"

            # The clip being recorded is closed at its next keyframe (1 s GOP), not left to break.
            wait_until(lambda: not clips("recording") and not status(server).get("recording"), 5,
                       "the open clip closed and recording off", details=lambda: f"{clips()}\n{status(server)}")
            closed = [line for line in server.stderr_path.read_text().splitlines()
                      if f"clip complete: {open_clip['file']}," in line]
            assert closed and closed[0].endswith("(disk full)"), f"not closed for the full disk: {closed}"
            assert f"clip {open_clip['file']}: " not in server.stderr_path.read_text(), "error finishing the clip"
            # (ids are AUTOINCREMENT, never reused: the closed clip may already be gone for space)
            newest = max([open_clip["id"]] + [c["id"] for c in read_clips(server.data_dir)])

            # The scene keeps moving; nothing is recorded.
            watched_from = time.time()
            time.sleep(8)
            assert watch.seen("disk", "motion", since=watched_from), "no motion seen while paused"
            assert not watch.seen("disk", "recording", since=watched_from), "recording reported while paused"
            assert [c for c in read_clips(server.data_dir) if c["id"] > newest] == [], "a clip was recorded"
            assert "disk full" in (status(server).get("error") or ""), status(server)
        finally:
            mover.stop()
    assert "motion not recorded" in server.stderr_path.read_text(), "the paused recording is not logged"

    # Nothing is corrupt: every clip left (the archive, the closed clip if retention did not take it).
    rows = check_every_clip(server)
    assert any(r["id"] == archived["id"] and r["archived"] for r in rows), rows

    # Space returns: the status clears by itself, and motion records again.
    time.sleep(4)  # the mover's last crossing is over: what follows is a fresh motion
    (small_disk / "ballast.bin").unlink()
    freed_at = time.time()
    wait_until(lambda: status(server).get("state") == "connected" and status(server).get("error") is None,
               PRESSURE_DEADLINE, "the disk-full status to clear",
               details=lambda: f"{status(server)}\n{server.log_tail()}")
    print(f"resumed {time.time() - freed_at:.1f} s after space returned")
    before = max([newest] + [c["id"] for c in read_clips(server.data_dir)])
    cam.trigger_motion()
    resumed = wait_until(lambda: [c for c in clips("complete") if c["id"] > before], 25,
                         "a clip after space returned", details=lambda: f"{clips()}\n{server.log_tail()}")[0]
    assert resumed["duration_ms"] >= 4000, resumed
    check_every_clip(server)

    server.stop()
    final = run_vms(["check-storage", "--config", str(server.config_path)], timeout=60)
    assert final.returncode == 0, final.stdout + final.stderr


def fill_to_the_last_byte(path: Path):
    """Another process fills the disk until the kernel refuses one more byte."""
    chunk = b"\0" * (1 << 16)
    with open(path, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
        try:  # the last partial block
            while True:
                os.write(f.fileno(), b"\0" * 512)
        except OSError:
            pass


@pytest.mark.slow
def test_disk_filled_to_the_last_byte_loses_no_row(workdir, small_disk, testcam, vms):
    """Another process fills the data disk to the last byte while a clip is being written: the clip
    is closed at its last complete fragment and its row becomes `complete` with what the file holds;
    the janitor can still delete (the index holds a reserve it releases when the disk is full); once
    the filler is gone, recording resumes; `check-storage` finds nothing wrong afterwards."""
    cam = testcam("disk", **FAST_CAM)
    server = vms({"disk": camera_config(cam.url, **SETTINGS)})
    text = server.config_path.read_text()
    server.write_config_text(text.replace("min_free_bytes: 0", f"min_free_bytes: {MIN_FREE}"))
    server.start()
    vmstest.wait_connected_and_warm(server, "disk", 1.0)
    reserve = small_disk / "reserve.bin"
    assert reserve.is_file() and reserve.stat().st_size >= 8 << 20, "the index holds no reserve"

    def clips(state=None):
        return [c for c in read_clips(server.data_dir, "disk") if state is None or c["state"] == state]

    cam.trigger_motion()
    older = wait_until(lambda: clips("complete") or None, 25, "a first clip", details=server.log_tail)[0]

    filler = small_disk / "filler.bin"
    mover = Mover(cam)
    mover.start()
    try:
        open_clip = wait_until(lambda: (clips("recording") or [None])[0], 15, "a clip being recorded",
                               details=server.log_tail)
        time.sleep(2.5)  # a few fragments in it
        fill_to_the_last_byte(filler)
        filled_at = time.time()
        print(f"free after the fill: {free_bytes(small_disk)} bytes")

        # The clip cut by the full disk is finished with what it holds, not left `recording`.
        row = wait_until(lambda: next((c for c in clips() if c["id"] == open_clip["id"] and c["state"] != "recording"),
                                      None) or (None if any(c["id"] == open_clip["id"] for c in clips()) else "gone"),
                         20, "the clip cut by the full disk finished in the index",
                         details=lambda: f"{clips()}\n{server.log_tail()}")
        print(f"clip finished {time.time() - filled_at:.1f} s after the disk filled: {row}")
        # The janitor could delete at 100 % full: the older clip made room.
        wait_until(lambda: not any(c["id"] == older["id"] for c in clips()), PRESSURE_DEADLINE,
                   "the janitor deleting the older clip on the full disk", details=server.log_tail)
        assert not (server.data_dir / older["file"]).exists()
        wait_until(lambda: "disk full" in (status(server).get("error") or ""), PRESSURE_DEADLINE,
                   'status error "disk full"', details=lambda: f"{status(server)}\n{server.log_tail()}")
    finally:
        mover.stop()
    log = server.stderr_path.read_text()
    assert "SQLite error" not in log and "disk is full (" not in log, (
        "the index failed on the full disk:\n" + "\n".join(l for l in log.splitlines() if "SQLite" in l)[:3000])
    # The cut clip was kept to its last complete fragment (a second or more of it), whether or not
    # the janitor then deleted it for space like any other recording.
    kept = re.search(rf"clip complete: {re.escape(open_clip['file'])}, ([\d.]+) s, \d+ bytes \(write error, "
                     r"kept to its last complete fragment\)", log)
    assert kept and float(kept.group(1)) >= 1.0, (
        "the clip cut by the full disk was not kept:\n" + "\n".join(l for l in log.splitlines() if open_clip["file"] in l))
    if row != "gone":
        assert row["state"] == "complete" and row["duration_ms"] >= 1000, row
        check_every_clip(server)

    # Space comes back: the reserve is made again, the status clears, motion records again.
    filler.unlink()
    wait_until(lambda: status(server).get("error") is None, PRESSURE_DEADLINE, "the disk-full status to clear",
               details=lambda: f"{status(server)}\n{server.log_tail()}")
    wait_until(lambda: reserve.is_file(), PRESSURE_DEADLINE, "the reserve made again")
    time.sleep(3)
    before = max([c["id"] for c in read_clips(server.data_dir)] + [open_clip["id"]])
    cam.trigger_motion()
    wait_until(lambda: [c for c in clips("complete") if c["id"] > before], 30, "a clip after space returned",
               details=lambda: f"{clips()}\n{server.log_tail()}")
    check_every_clip(server)
    server.stop()
    final = run_vms(["check-storage", "--config", str(server.config_path)], timeout=60)
    assert final.returncode == 0 and "storage is consistent" in final.stdout + final.stderr, (
        final.stdout + final.stderr)
