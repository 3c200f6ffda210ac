"""End-to-end tests of "delete this camera's footage" (`DELETE /api/v1/cameras/{id}/footage`) and of
the storage outlook of `GET /api/v1/cameras` (issue 5, docs/api.md), against a real `vms serve`
with a real index and real MP4/JPEG files made with the ffmpeg CLI.
Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_api_footage.py -q
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

import vmstest
from test_api import ADMIN, VIEWER, VIEWER_AUTH, api_config, call, ffmpeg
from vmstest import run_vms

MAX_BYTES = 50_000_000


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    video = folder / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "2", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(video))
    thumb = folder / "clip.jpg"
    ffmpeg("-i", str(video), "-frames:v", "1", str(thumb))
    return video, thumb


class Clips:
    """Clip rows with their files, laid out as the recorder does, starting `minutes_ago` before now
    (recent on purpose: retention must not delete them, and they make the recent bitrate)."""

    def __init__(self, data_dir: Path, media):
        self.data_dir = data_dir
        self.video, self.thumb = media
        self.base = time.time() - 3 * 3600  # every clip within the last 24 h
        self.used = set()

    def add(self, camera, second, state="complete", archived=False):
        return self.add_many(camera, [second], state, archived)[0]

    def add_many(self, camera, seconds, state="complete", archived=False):
        rows = []
        for second in seconds:
            start = self.base + second
            assert (camera, second) not in self.used
            self.used.add((camera, second))
            when = datetime.fromtimestamp(start)
            tree = "archives" if archived else "recordings"
            rel = f"{tree}/{camera}/{when:%Y-%m-%d}/{when:%H-%M-%S}.mp4"
            rel_thumb = rel[:-4] + ".jpg"
            path = self.data_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.video, path)
            shutil.copyfile(self.thumb, self.data_dir / rel_thumb)
            start_ms = int(start) * 1000
            rows.append((camera, start_ms, start_ms + 2000, 2000, path.stat().st_size, rel, rel_thumb, state,
                         int(archived)))
        conn = sqlite3.connect(self.data_dir / "vms.sqlite", timeout=10)
        try:
            ids = []
            with conn:
                for row in rows:
                    ids.append(conn.execute(
                        "INSERT INTO clip (camera_id, start_ms, end_ms, duration_ms, size_bytes, file, thumbnail,"
                        " state, archived, comment) VALUES (?,?,?,?,?,?,?,?,?,'')", row).lastrowid)
            return ids
        finally:
            conn.close()

    def row(self, clip_id):
        return next((r for r in vmstest.read_clips(self.data_dir) if r["id"] == clip_id), None)


def consistent(data_dir: Path):
    """Every row has its video, and every video under recordings/ and archives/ has a row."""
    rows = vmstest.read_clips(data_dir)
    files = {r["file"] for r in rows}
    for row in rows:
        assert (data_dir / row["file"]).is_file(), f"row without its file: {row}"
    for tree in ("recordings", "archives"):
        for path in (data_dir / tree).rglob("*.mp4"):
            rel = path.relative_to(data_dir).as_posix()
            assert rel in files, f"file without a row: {rel}"


@pytest.fixture
def server(workdir, media, vms_bin):
    server = vmstest.Vms(workdir, name="vms-footage")
    api_config(server, {
        # Disabled: the tests own every file; a configured camera all the same.
        "door": {"enabled": False, "record_url": "rtsp://127.0.0.1:1/door", "retention_days": 7},
        "idle": {"enabled": False, "record_url": "rtsp://127.0.0.1:1/idle"},
    })
    text = server.config_path.read_text().replace("max_bytes: 0", f"max_bytes: {MAX_BYTES}")
    assert f"max_bytes: {MAX_BYTES}" in text
    server.write_config_text(text)
    server.start()
    server.clips = Clips(server.data_dir, media)
    try:
        yield server
    finally:
        server.close()
        if server.problems:
            pytest.fail("vms did not stop cleanly:\n" + "\n".join(server.problems))


def footage(server, camera, query="", headers=ADMIN, timeout=10):
    try:
        return call(server, "DELETE", f"/api/v1/cameras/{camera}/footage{query}", headers=headers, timeout=timeout)
    except (OSError, ConnectionError) as error:  # killed mid-request (the kill -9 test)
        return error


# ---------------------------------------------------------------------------------------------


def test_storage_outlook_in_the_cameras_list(server):
    clips = server.clips
    door_old = clips.add("door", 0)
    clips.add("door", 60)
    clips.add("door", 30, archived=True)  # older, but archives never go
    clips.add("door", 90, state="recording")
    gone_first = clips.add("gone", 10)
    clips.add("gone", 20, archived=True)

    cameras = {c["id"]: c for c in call(server, "GET", "/api/v1/cameras", headers=ADMIN).json()}
    assert list(cameras) == ["door", "idle", "gone"], list(cameras)
    for camera in cameras.values():
        assert set(camera["storage"]) == {"next_clip_to_go", "horizon_days"}, camera
    rows = {r["id"]: r for r in vmstest.read_clips(server.data_dir)}
    assert cameras["door"]["storage"]["next_clip_to_go"] == {"id": door_old, "start_ms": rows[door_old]["start_ms"]}
    assert cameras["gone"]["storage"]["next_clip_to_go"] == {"id": gone_first,
                                                               "start_ms": rows[gone_first]["start_ms"]}
    assert cameras["idle"]["storage"]["next_clip_to_go"] is None

    # door keeps 7 days (the quota would last longer at this bitrate); the others keep recordings
    # forever, so the quota bounds them: storage.max_bytes over a day's bytes of all cameras.
    assert cameras["door"]["storage"]["horizon_days"] == 7
    per_day = sum(r["size_bytes"] for r in rows.values())
    quota_days = MAX_BYTES / per_day
    assert quota_days > 7
    for camera in ("gone", "idle"):
        assert abs(cameras[camera]["storage"]["horizon_days"] - quota_days) <= 0.051, (cameras[camera], quota_days)
    # Usage comes with the same pass over the index.
    size = clips.video.stat().st_size
    # Event clips only (no continuous segment): recordings are all event clips.
    assert cameras["door"]["usage"] == {"recordings_bytes": 3 * size, "archives_bytes": size,
                                        "continuous_bytes": 0, "event_clips_bytes": 3 * size}
    assert cameras["gone"]["usage"] == {"recordings_bytes": size, "archives_bytes": size,
                                        "continuous_bytes": 0, "event_clips_bytes": size}
    assert cameras["idle"]["usage"] == {"recordings_bytes": 0, "archives_bytes": 0,
                                        "continuous_bytes": 0, "event_clips_bytes": 0}


def test_footage_delete_needs_admin_confirmation_and_valid_input(server):
    clip = server.clips.add("door", 0)
    refusals = [
        (footage(server, "door", "?confirm=door", headers={}), 401),
        (footage(server, "door", "?confirm=door", headers=VIEWER_AUTH), 403),
        (footage(server, "door", "?confirm=door", headers={"Origin": "http://evil.example", **ADMIN}), 403),
        (footage(server, "door"), 400),
        (footage(server, "door", "?confirm="), 400),
        (footage(server, "door", "?confirm=idle"), 400),
        (footage(server, "door", "?confirm=DOOR"), 400),
        (footage(server, "door", "?confirm=door&archives=yes"), 400),
        (footage(server, "..%2Fdoor", "?confirm=..%2Fdoor"), 400),
        (footage(server, "nobody", "?confirm=nobody"), 404),
    ]
    for answer, status in refusals:
        assert answer.status == status, (answer, status)
        assert "error" in answer.json(), answer
    assert "confirm=door" in footage(server, "door").json()["error"], "the error says how to confirm"
    row = server.clips.row(clip)
    assert row is not None and (server.data_dir / row["file"]).is_file(), "a refused request deleted something"
    assert VIEWER  # (the viewer account exists in this configuration)


def test_footage_of_a_configured_camera_keeps_recording_and_archived_clips(server):
    clips, data = server.clips, server.data_dir
    doomed = [clips.add("door", s) for s in (0, 5, 10)]
    recording = clips.add("door", 15, state="recording")
    archived = clips.add("door", 20, archived=True)
    other = clips.add("gone", 0)
    doomed_rows = [clips.row(c) for c in doomed]
    size = clips.video.stat().st_size

    answer = footage(server, "door", "?confirm=door")
    assert answer.status == 200, answer
    assert answer.json() == {"deleted": 3, "freed_bytes": 3 * size, "kept_recording": 1, "kept_archives": 1}
    for row in doomed_rows:
        assert clips.row(row["id"]) is None
        assert not (data / row["file"]).exists() and not (data / row["thumbnail"]).exists(), row
    for kept in (recording, archived, other):
        row = clips.row(kept)
        assert row is not None and (data / row["file"]).is_file(), row
    # A configured camera keeps its folders (its recorder may be about to use them).
    assert (data / "recordings" / "door").is_dir()

    answer = footage(server, "door", "?confirm=door&archives=true")
    assert answer.status == 200 and answer.json() == {"deleted": 1, "freed_bytes": size, "kept_recording": 1,
                                                      "kept_archives": 0}, answer
    assert clips.row(archived) is None and clips.row(recording) is not None
    # Nothing left to delete: harmless.
    again = footage(server, "door", "?confirm=door&archives=false")
    assert again.status == 200 and again.json()["deleted"] == 0, again
    consistent(data)


def test_footage_of_a_removed_camera_goes_with_its_folders(server):
    clips, data = server.clips, server.data_dir
    for s in (0, 1, 2):
        clips.add("gone", s)
    clips.add("gone", 3, archived=True)
    (data / "recordings" / "gone" / "notes.txt").write_text("not vms's: kept")
    listed = [c["id"] for c in call(server, "GET", "/api/v1/cameras", headers=ADMIN).json()]
    assert "gone" in listed

    answer = footage(server, "gone", "?confirm=gone")
    assert answer.status == 200 and answer.json()["deleted"] == 3 and answer.json()["kept_archives"] == 1, answer
    # Still listed (its archive remains), still browsable.
    assert "gone" in [c["id"] for c in call(server, "GET", "/api/v1/cameras", headers=ADMIN).json()]
    assert call(server, "GET", "/api/v1/cameras/gone/days?archived=true", headers=ADMIN).status == 200

    answer = footage(server, "gone", "?confirm=gone&archives=true")
    assert answer.status == 200 and answer.json()["deleted"] == 1, answer
    assert "gone" not in [c["id"] for c in call(server, "GET", "/api/v1/cameras", headers=ADMIN).json()]
    assert call(server, "GET", "/api/v1/cameras/gone/days", headers=ADMIN).status == 404
    assert not (data / "archives" / "gone").exists(), "empty folders of a removed camera are removed"
    assert (data / "recordings" / "gone" / "notes.txt").is_file(), "a file vms does not know is never touched"
    assert not list((data / "recordings" / "gone").glob("*/"))
    consistent(data)


@pytest.mark.slow
def test_kill9_during_a_footage_delete_leaves_no_row_without_its_file(server):
    """Rows go before files: a kill at any moment leaves at worst files without a row, which the
    start-up check adopts back (the footage reappears; the user deletes it again)."""
    rng = random.Random(5)
    data = server.data_dir
    count, next_second, interrupted = 1500, 0, 0
    for round_number in range(8):
        have = len(vmstest.read_clips(data, "bulk"))
        server.clips.add_many("bulk", range(next_second, next_second + count - have))
        next_second += count - have
        worker = threading.Thread(target=lambda: footage(server, "bulk", "?confirm=bulk", timeout=30), daemon=True)
        worker.start()
        time.sleep(rng.uniform(0.0, 0.07))  # a deletion of 1500 clips takes about 70 ms
        server.kill9()
        worker.join(timeout=30)
        left = vmstest.read_clips(data, "bulk")
        for row in left:
            assert (data / row["file"]).is_file(), f"round {round_number}: row without its file: {row}"
        files = list((data / "recordings" / "bulk").rglob("*.mp4"))
        if 0 < len(left) < count or len(files) > len(left):
            interrupted += 1
        server.start(timeout=60)  # the start-up check adopts the files the kill left without a row
        consistent(data)
    print(f"{interrupted} of 8 kills landed during the deletion")
    assert interrupted >= 2, "the kills never landed during a deletion: the test proves nothing"
    answer = footage(server, "bulk", "?confirm=bulk")
    assert answer.status == 200, answer
    assert vmstest.read_clips(data, "bulk") == []
    server.stop()
    final = run_vms(["check-storage", "--config", str(server.config_path)], timeout=120)
    assert final.returncode == 0, final.stdout + final.stderr
