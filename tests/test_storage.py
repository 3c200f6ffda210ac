"""End-to-end tests of the storage lifecycle (issue 5) against the real binary: `vms check-storage`
finding and repairing each kind of inconsistency, the data-directory lock, and kill -9 at random
moments of archive and delete requests followed by the start-up repair (50 rounds).
Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_storage.py -q
"""

from __future__ import annotations

import base64
import http.client
import random
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

import vmstest
from vmstest import TEST_PASSWORD, TEST_USER, camera_config, run_vms

DAY = "2025-06-14"


@pytest.fixture(scope="module")
def sample_mp4(tmp_path_factory) -> Path:
    """A 2 s fragmented MP4, as the recorder writes them."""
    path = tmp_path_factory.mktemp("media") / "sample.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "2",
         "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-movflags", "frag_keyframe+empty_moov+default_base_moof", str(path)],
        check=True, timeout=60)
    return path


def make_server(vms, sample_mp4):
    """A server with one disabled camera (nothing records: the test owns the files)."""
    return vms({"cam": camera_config(str(sample_mp4), enabled=False)})


def put_clips(data_dir: Path, sample_mp4: Path, count: int, tree="recordings", camera="cam"):
    """`count` clip files (and thumbnails) without rows: the start-up check adopts them."""
    folder = data_dir / tree / camera / DAY
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for n in range(count):
        name = f"{10 + n // 3600:02d}-{n // 60 % 60:02d}-{n % 60:02d}"
        shutil.copyfile(sample_mp4, folder / f"{name}.mp4")
        (folder / f"{name}.jpg").write_bytes(b"\xff\xd8\xff\xd9")
        names.append(f"{tree}/{camera}/{DAY}/{name}.mp4")
    return names


def rows(data_dir: Path):
    return vmstest.read_clips(data_dir)


def check_storage(server, *flags):
    return run_vms(["check-storage", "--config", str(server.config_path), *flags], timeout=120)


# ---------------------------------------------------------------------------------------------


def test_check_storage_finds_and_repairs_each_kind(workdir, vms, sample_mp4):
    server = make_server(vms, sample_mp4)
    data = server.data_dir
    # An empty index first (check-storage creates it), then files behind its back.
    assert check_storage(server).returncode == 0
    adopted = put_clips(data, sample_mp4, 2)
    put_clips(data, sample_mp4, 1, tree="archives", camera="old")
    folder = data / "recordings" / "cam" / DAY
    (folder / "20-00-00.mp4").write_bytes(b"not a video" * 100)  # unplayable: reported, kept
    (folder / "21-00-00.mp4").write_bytes(b"")  # a reserved name: removed by --repair
    (folder / "22-00-00.jpg").write_bytes(b"\xff\xd8\xff\xd9")  # a thumbnail alone
    (folder / "notes.txt").write_text("mine")  # not ours: never touched

    report = check_storage(server)
    assert report.returncode == 1, report.stdout + report.stderr
    assert "5 video(s) without a row" in report.stdout, report.stdout
    assert "1 thumbnail(s) without a clip" in report.stdout, report.stdout
    assert "1 unknown file(s)" in report.stdout, report.stdout
    assert rows(data) == [], "a report must change nothing"

    repaired = check_storage(server, "--repair")
    assert repaired.returncode == 1, repaired.stdout  # the unplayable and unknown files remain
    assert "3 adopted, 1 empty removed, 1 unplayable left in place" in repaired.stdout, repaired.stdout
    clips = {row["file"]: row for row in rows(data)}
    assert set(clips) == set(adopted) | {f"archives/old/{DAY}/10-00-00.mp4"}
    for row in clips.values():
        assert row["state"] == "complete"
        assert 1800 <= row["duration_ms"] <= 2200, row
        assert row["size_bytes"] == sample_mp4.stat().st_size
        assert row["archived"] == row["file"].startswith("archives/")
    assert (folder / "20-00-00.mp4").exists() and (folder / "notes.txt").exists()
    assert not (folder / "21-00-00.mp4").exists() and not (folder / "22-00-00.jpg").exists()

    # A row whose video disappeared, and a clip left recording (a crash mid-clip).
    (data / adopted[0]).unlink()
    with sqlite3.connect(data / "vms.sqlite") as db:
        db.execute("UPDATE clip SET state = 'recording', duration_ms = 0 WHERE file = ?", (adopted[1],))
    (folder / "20-00-00.mp4").unlink()
    (folder / "notes.txt").unlink()
    report = check_storage(server)
    assert "1 row(s) whose video is missing" in report.stdout, report.stdout
    assert "1 clip(s) left recording" in report.stdout, report.stdout
    repaired = check_storage(server, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "after repair: storage is consistent" in repaired.stdout
    by_file = {row["file"]: row for row in rows(data)}
    assert adopted[0] not in by_file
    assert by_file[adopted[1]]["state"] == "complete" and by_file[adopted[1]]["duration_ms"] > 1500
    final = check_storage(server)
    assert final.returncode == 0 and "storage is consistent" in final.stdout, final.stdout


def test_hundred_thousand_clips_check_in_under_ten_seconds(workdir, vms, sample_mp4):
    server = make_server(vms, sample_mp4)
    data = server.data_dir
    assert check_storage(server).returncode == 0
    count = 100_000
    with sqlite3.connect(data / "vms.sqlite") as db:
        batch = []
        for n in range(count):
            camera = f"cam{n % 4}"
            day = f"2025-06-{1 + (n // 4) // 3000:02d}"
            second = (n // 4) % 3000
            rel = f"recordings/{camera}/{day}/{second // 3600:02d}-{second // 60 % 60:02d}-{second % 60:02d}.mp4"
            (data / rel).parent.mkdir(parents=True, exist_ok=True)
            (data / rel).touch()
            batch.append((camera, n, n + 1, rel))
        db.executemany(
            "INSERT INTO clip (camera_id, start_ms, end_ms, duration_ms, size_bytes, file, state)"
            " VALUES (?, ?, ?, 0, 0, ?, 'complete')", batch)
    began = time.monotonic()
    report = check_storage(server)
    took = time.monotonic() - began
    assert report.returncode == 0, report.stdout + report.stderr
    assert f"{count} clip(s) in the index, {count} file(s) on disk" in report.stdout, report.stdout
    print(f"check-storage of {count} clips: {took:.2f} s (whole command)")
    assert took < 10, f"check-storage took {took:.1f} s for {count} clips (limit 10 s)"


def test_one_server_per_data_directory_and_no_repair_while_serving(workdir, vms, sample_mp4):
    server = make_server(vms, sample_mp4).start()
    second = vmstest.Vms(workdir, None, name="second")
    second.config_path = server.config_path
    second.start(wait=False)
    assert second.proc.wait(timeout=20) == 1
    assert "another vms serve uses" in second.stderr_path.read_text()
    refused = check_storage(server, "--repair")
    assert refused.returncode == 1 and "stop it before --repair" in refused.stderr, refused.stderr
    live = check_storage(server)
    assert live.returncode == 0 and "(vms serve is running)" in live.stdout, live.stdout


# ---------------------------------------------------------------------------------------------
# kill -9 during archive and delete


def request(server, method, path):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    token = base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()
    try:
        connection.request(method, path, headers={"Authorization": f"Basic {token}"})
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None  # the server died mid-request
    finally:
        connection.close()


@pytest.mark.slow
def test_kill9_at_random_points_of_archive_and_delete(workdir, vms, sample_mp4):
    rng = random.Random(5)
    server = make_server(vms, sample_mp4)
    data = server.data_dir
    put_clips(data, sample_mp4, 200)
    confirmed_archives: dict[int, str] = {}  # id -> file, once the server said 200
    deleted: dict[int, str] = {}  # id -> file, once the server confirmed the deletion
    sample_bytes = sample_mp4.read_bytes()

    for round_number in range(50):
        server.start(timeout=30)
        clips = [row for row in rows(data) if row["state"] == "complete"]
        candidates = [row for row in clips if not row["archived"]]
        rng.shuffle(candidates)
        # A few requests per round, and a kill within the few milliseconds they take: the kill lands
        # before, during or after each step of an archive or a delete.
        candidates = candidates[:3]
        stop = threading.Event()

        def hammer():
            for row in candidates:
                if stop.is_set():
                    return
                if rng.random() < 0.5:
                    if request(server, "POST", f"/api/v1/clips/{row['id']}/archive") == 200:
                        confirmed_archives[row["id"]] = row["file"]
                else:
                    if request(server, "DELETE", f"/api/v1/clips/{row['id']}") in (200, 204):
                        deleted[row["id"]] = row["file"]

        worker = threading.Thread(target=hammer)
        worker.start()
        time.sleep(rng.uniform(0.0, 0.03))
        server.kill9()
        stop.set()
        worker.join(timeout=10)

        # What the crash left, before any repair: no row may point to a missing file.
        for row in rows(data):
            if row["state"] == "complete":
                assert (data / row["file"]).exists(), f"round {round_number}: row without file {row}"
        rounds = round_number + 1

    assert rounds == 50
    # Start-up repair, clean stop, then the check finds nothing.
    server.start(timeout=30)
    server.stop()
    final = check_storage(server)
    assert final.returncode == 0, final.stdout + final.stderr
    by_id = {row["id"]: row for row in rows(data)}
    for clip_id in confirmed_archives:
        row = by_id.get(clip_id)
        assert row is not None and row["archived"], f"archived clip {clip_id} lost: {row}"
        assert (data / row["file"]).read_bytes() == sample_bytes, f"archived clip {clip_id} damaged"
    # A confirmed deletion had removed the files before answering: the clip never comes back.
    assert not (set(deleted) & set(by_id)), "a deleted clip came back"
    for clip_id, file in deleted.items():
        assert not (data / file).exists(), f"deleted clip {clip_id} left {file}"
    print(f"{rounds} kills: {len(confirmed_archives)} archives confirmed, {len(deleted)} deletions, all consistent")


# ---------------------------------------------------------------------------------------------
# an index rebuilt across daylight-saving changes


def clip_with_creation_time(path: Path, creation_time: str | None):
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = ["-metadata", f"creation_time={creation_time}"] if creation_time else ["-map_metadata", "-1"]
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "2",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", *metadata,
         "-movflags", "frag_keyframe+empty_moov+default_base_moof", str(path)],
        check=True, timeout=60)


def test_rebuilt_index_dates_clips_by_their_file_across_dst(workdir, vms, sample_mp4):
    """Clips found without a row (an index rebuilt with `check-storage --repair`) are dated by the
    creation time the recorder writes into each file, not by their name: in Europe/Paris the
    autumn hour 02:00-03:00 of 2026-10-25 happens twice (`02-30-00` and `02-30-00-1` are an hour
    apart), and a name in the spring hour skipped on 2026-03-29 is adopted by its file's time. A file
    whose name is impossible and which carries no time gets a message that says so."""
    server = make_server(vms, sample_mp4)
    cam = server.data_dir / "recordings" / "cam"
    cases = {  # relative path -> the UTC instant its file carries
        "2026-10-25/02-30-00.mp4": "2026-10-25T00:30:00Z",  # 02:30 CEST, the first time round
        "2026-10-25/02-30-00-1.mp4": "2026-10-25T01:30:00Z",  # 02:30 CET, an hour later
        "2026-03-29/02-30-00.mp4": "2026-03-29T01:30:00Z",  # in the skipped hour: 03:30 CEST
    }
    for relative, created in cases.items():
        clip_with_creation_time(cam / relative, created)
    clip_with_creation_time(cam / "2026-03-29/02-40-00.mp4", None)  # impossible name, no time

    env_tz = {"TZ": "Europe/Paris"}
    import os
    out = subprocess.run([str(vmstest.vms_binary()), "check-storage", "--config", str(server.config_path), "--repair"],
                         capture_output=True, text=True, timeout=120, env={**os.environ, **env_tz})
    text = out.stdout + out.stderr
    from datetime import datetime
    by_file = {r["file"]: r for r in rows(server.data_dir)}
    for relative, created in cases.items():
        row = by_file.get(f"recordings/cam/{relative}")
        assert row, f"{relative} not adopted:\n{text}"
        expected = int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp() * 1000)
        assert row["start_ms"] == expected, (
            f"{relative} dated {row['start_ms'] - expected:+d} ms off its file's time:\n{text}")
    assert "recordings/cam/2026-03-29/02-40-00.mp4" not in by_file
    assert "cannot tell when" in text and "02-40-00.mp4" in text and "refused path" not in text, text
    # Said once: moved aside under unsorted/, so the next check finds nothing left to say.
    assert (server.data_dir / "unsorted/recordings/cam/2026-03-29/02-40-00.mp4").is_file()
    assert not (cam / "2026-03-29/02-40-00.mp4").exists()
    again = subprocess.run([str(vmstest.vms_binary()), "check-storage", "--config", str(server.config_path)],
                           capture_output=True, text=True, timeout=120, env={**os.environ, **env_tz})
    assert again.returncode == 0 and "storage is consistent" in again.stdout + again.stderr, (
        again.stdout + again.stderr)
