"""End-to-end tests of the HTTP API (issue 3, docs/api.md) against a real `vms serve`: a real SQLite
index, real MP4 and JPEG files made with the ffmpeg CLI, real sockets. Nothing is mocked.

Most tests share one server (module fixture `api`) whose index is filled before they run; each test
uses its own clips, so they do not depend on each other's order. The WebSocket test runs its own
server with a GStreamer test camera.
Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_api.py -q
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

import vmstest
from vmstest import TEST_PASSWORD, TEST_PASSWORD_HASH, TEST_USER, WebSocket, camera_config, to_yaml, wait_until

VIEWER, VIEWER_PASSWORD = "watcher", "viewer-password"
DAY = "2025-06-14"
XSS = "<img src=x onerror=alert(1)>${alert(1)}"


# ---------------------------------------------------------------------------------------------
# HTTP helpers (http.client: raw paths are sent as written, nothing is normalised)


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        assert (self.header("content-type") or "").startswith("application/json"), self.headers
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.headers.get('content-type')} {self.body[:200]!r}>"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


ADMIN = {"Authorization": basic(TEST_USER, TEST_PASSWORD)}
VIEWER_AUTH = {"Authorization": basic(VIEWER, VIEWER_PASSWORD)}


def call(server, method, path, headers=None, body=None, timeout=10, source="127.0.0.1"):
    """One request from the local address `source` (an address gets at most 10 password checks a
    minute: tests that send many wrong credentials spread them over 127.0.0.0/8)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout, source_address=(source, 0))
    try:
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# building an index with real files


def ffmpeg(*args):
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    video = folder / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "3", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(video))
    thumb = folder / "clip.jpg"
    ffmpeg("-i", str(video), "-frames:v", "1", str(thumb))
    return video, thumb


def epoch_ms(day, hh, mm, ss):
    return int(datetime.strptime(f"{day} {hh:02}:{mm:02}:{ss:02}", "%Y-%m-%d %H:%M:%S").timestamp() * 1000)


class Index:
    """Inserts clip rows with their files, the way the recorder lays them out."""

    def __init__(self, data_dir: Path, media):
        self.data_dir = data_dir
        self.video, self.thumb = media

    def add(self, camera, hh, mm, ss=0, state="complete", archived=False, comment="", day=DAY):
        start = epoch_ms(day, hh, mm, ss)
        tree = "archives" if archived else "recordings"
        rel = f"{tree}/{camera}/{day}/{hh:02}-{mm:02}-{ss:02}.mp4"
        rel_thumb = rel[:-4] + ".jpg"
        path = self.data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.video, path)
        shutil.copyfile(self.thumb, self.data_dir / rel_thumb)
        size = path.stat().st_size
        conn = sqlite3.connect(self.data_dir / "vms.sqlite", timeout=10)
        try:
            with conn:
                cur = conn.execute(
                    "INSERT INTO clip (camera_id, start_ms, end_ms, duration_ms, size_bytes, file, thumbnail,"
                    " state, archived, comment) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (camera, start, start + 3000, 3000, size, rel, rel_thumb, state, int(archived), comment))
                return cur.lastrowid
        finally:
            conn.close()

    def row(self, clip_id):
        rows = [r for r in vmstest.read_clips(self.data_dir) if r["id"] == clip_id]
        return rows[0] if rows else None


def hash_password(password):
    out = subprocess.run([str(vmstest.vms_binary()), "hash-password", "--cost", "4"], input=password,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    digest = out.stdout.strip()
    assert digest.startswith("$2") and len(digest) == 60, digest
    return digest


def api_config(server, cameras):
    config = vmstest.vms_config(server.data_dir, server.port, cameras)
    config["auth"]["users"].append({"name": VIEWER, "password_hash": hash_password(VIEWER_PASSWORD),
                                    "role": "viewer"})
    server.write_config_text(to_yaml(config) + "\n")


@pytest.fixture(scope="module")
def api(tmp_path_factory, media, vms_bin):
    workdir = tmp_path_factory.mktemp("api")
    server = vmstest.Vms(workdir, name="vms-api")
    api_config(server, {
        # Disabled: the tests below need its name and settings, not a stream.
        "entree": {"name": "Entrée Nord", "enabled": False,
                   "record_url": "rtsp://user:s3cret-pw@127.0.0.1:1/stream1",
                   "detect_url": "rtsp://user:s3cret-pw@127.0.0.1:1/stream2?password=other-secret"},
    })
    server.start()
    server.index = Index(server.data_dir, media)
    try:
        yield server
    finally:
        server.close()
        if server.problems:
            target = vmstest.copy_artifacts(workdir, "tests/test_api.py::api")
            pytest.fail(f"vms did not stop cleanly (artifacts in {target}):\n" + "\n".join(server.problems))


# ---------------------------------------------------------------------------------------------
# auth


ROUTES_NEEDING_AUTH = [
    ("GET", "/api/v1/me"), ("POST", "/api/v1/logout"), ("GET", "/api/v1/update"),
    ("GET", "/api/v1/cameras"), ("GET", "/api/v1/cameras/entree/days"),
    ("GET", "/api/v1/cameras/entree/usage"), ("GET", f"/api/v1/cameras/entree/clips?date={DAY}"),
    ("DELETE", f"/api/v1/cameras/entree/clips?date={DAY}&hour=10"),
    ("GET", "/api/v1/cameras/entree/live.mjpeg"), ("GET", "/api/v1/cameras/entree/snapshot.jpg"),
    ("GET", "/api/v1/clips/1"), ("GET", "/api/v1/clips/1/video"), ("GET", "/api/v1/clips/1/thumbnail"),
    ("GET", "/api/v1/clips/1/download"), ("POST", "/api/v1/clips/1/archive"), ("DELETE", "/api/v1/clips/1"),
    ("PUT", "/api/v1/clips/1/comment"), ("GET", "/api/v1/events"), ("GET", "/api/v1/nonexistent"),
    ("GET", "/api/v1/clips/../../etc/passwd"),
]


def test_every_route_but_health_and_login_needs_credentials(api):
    clip = api.index.add("entree", 8, 0)
    for n, (method, path) in enumerate(ROUTES_NEEDING_AUTH):
        path = path.replace("/clips/1", f"/clips/{clip}")
        # From a different address each time: an address gets at most 10 password checks a minute.
        for headers in ({}, {"Authorization": basic(f"intruder{n}", "wrong")},
                        {"Cookie": "vms_session=" + "0" * 64}):
            answer = call(api, method, path, headers=headers, source=f"127.0.1.{n + 1}")
            assert answer.status == 401, f"{method} {path} with {headers}: {answer}"
            assert "error" in answer.json(), answer
            assert "www-authenticate" not in answer.headers, "a Basic challenge makes browsers pop up a dialog"
    assert call(api, "GET", "/api/v1/health").status == 200
    assert call(api, "POST", "/api/v1/login", body={"name": TEST_USER, "password": "nope"}).status == 401
    # A file of the UI loads without credentials (its script goes to the sign-in page on 401).
    assert call(api, "GET", "/").status == 200


def test_sign_in_cookie_and_sign_out(api):
    wrong = call(api, "POST", "/api/v1/login", body={"name": TEST_USER, "password": "wrong"})
    assert wrong.status == 401 and wrong.json() == {"error": "wrong user name or password"}
    assert "set-cookie" not in wrong.headers

    ok = call(api, "POST", "/api/v1/login", body={"name": TEST_USER, "password": TEST_PASSWORD})
    assert ok.status == 200, ok
    assert ok.json() == {"name": TEST_USER, "role": "admin"}
    cookie = ok.header("set-cookie")
    parts = [p.strip() for p in cookie.split(";")]
    name, _, token = parts[0].partition("=")
    assert name == "vms_session" and len(token) == 64 and int(token, 16) >= 0, cookie
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in parts, f"{attribute} missing from {cookie}"
    session = {"Cookie": f"vms_session={token}"}

    me = call(api, "GET", "/api/v1/me", headers=session)
    assert me.status == 200 and me.json() == {"name": TEST_USER, "role": "admin"}
    assert call(api, "GET", "/api/v1/cameras", headers=session).status == 200

    out = call(api, "POST", "/api/v1/logout", headers=session)
    assert out.status == 204, out
    assert "Max-Age=0" in out.header("set-cookie")
    assert call(api, "GET", "/api/v1/me", headers=session).status == 401


def test_basic_credentials_and_the_cameras_list(api):
    api.index.add("old-cam", 9, 0)  # footage of a camera no longer in the configuration
    answer = call(api, "GET", "/api/v1/cameras", headers=ADMIN)
    assert answer.status == 200, answer
    assert b"s3cret-pw" not in answer.body and b"other-secret" not in answer.body, answer.body
    cameras = answer.json()
    assert [c["id"] for c in cameras][:1] == ["entree"]
    entree = cameras[0]
    assert entree["name"] == "Entrée Nord" and entree["configured"] is True and entree["enabled"] is False
    assert entree["record_url"] == "rtsp://user:***@127.0.0.1:1/stream1", entree
    assert entree["detect_url"] == "rtsp://user:***@127.0.0.1:1/stream2?password=***", entree
    assert entree["status"]["state"] == "disabled", entree
    assert set(entree["status"]) == {"state", "error", "motion", "recording"}
    assert entree["detector"]["type"] == "mog2" and "warmup_seconds" in entree["detector"]
    assert {"pre_roll_seconds", "post_roll_seconds", "min_duration_seconds", "max_duration_seconds",
            "enabled"} <= set(entree["recording"])
    assert set(entree["usage"]) == {"recordings_bytes", "archives_bytes", "continuous_bytes",
                                    "event_clips_bytes"}
    old = next(c for c in cameras if c["id"] == "old-cam")
    assert old["configured"] is False and old["usage"]["recordings_bytes"] > 0, old

    viewer = call(api, "GET", "/api/v1/me", headers=VIEWER_AUTH)
    assert viewer.status == 200 and viewer.json() == {"name": VIEWER, "role": "viewer"}


def test_viewer_cannot_change_anything(api):
    clip = api.index.add("entree", 7, 0)
    for method, path, body in [
        ("POST", f"/api/v1/clips/{clip}/archive", None),
        ("DELETE", f"/api/v1/clips/{clip}", None),
        ("PUT", f"/api/v1/clips/{clip}/comment", {"comment": "viewer was here"}),
        ("DELETE", f"/api/v1/cameras/entree/clips?date={DAY}&hour=07", None),
    ]:
        answer = call(api, method, path, headers=VIEWER_AUTH, body=body)
        assert answer.status == 403, f"{method} {path}: {answer}"
        assert "error" in answer.json()
    row = api.index.row(clip)
    assert row is not None and not row["archived"] and row["comment"] == "", row
    assert (api.data_dir / row["file"]).is_file()
    # Watching is allowed.
    for path in (f"/api/v1/clips/{clip}", f"/api/v1/clips/{clip}/video", f"/api/v1/clips/{clip}/download",
                 f"/api/v1/clips/{clip}/thumbnail", f"/api/v1/cameras/entree/clips?date={DAY}"):
        assert call(api, "GET", path, headers=VIEWER_AUTH).status == 200, path


def test_cross_origin_state_changes_are_refused(api):
    clip = api.index.add("entree", 6, 0)
    evil = {"Origin": "http://evil.example", **ADMIN}
    for method, path, body in [
        ("POST", f"/api/v1/clips/{clip}/archive", None),
        ("DELETE", f"/api/v1/clips/{clip}", None),
        ("PUT", f"/api/v1/clips/{clip}/comment", {"comment": "csrf"}),
    ]:
        answer = call(api, method, path, headers=evil, body=body)
        assert answer.status == 403, f"{method} {path}: {answer}"
    referer = {"Referer": "http://evil.example/page.html", **ADMIN}
    assert call(api, "DELETE", f"/api/v1/clips/{clip}", headers=referer).status == 403
    login = call(api, "POST", "/api/v1/login", headers={"Origin": "http://evil.example"},
                 body={"name": TEST_USER, "password": TEST_PASSWORD})
    assert login.status == 403 and "set-cookie" not in login.headers
    assert api.index.row(clip)["comment"] == ""

    same = {"Origin": f"http://127.0.0.1:{api.port}", **ADMIN}
    assert call(api, "PUT", f"/api/v1/clips/{clip}/comment", headers=same,
                body={"comment": "same site"}).status == 200


# ---------------------------------------------------------------------------------------------
# clips


def test_days_usage_and_clips_of_a_day(api):
    first = api.index.add("listing", 10, 0)
    second = api.index.add("listing", 10, 30, archived=True)
    api.index.add("listing", 12, 0, day="2025-06-15")
    days = call(api, "GET", "/api/v1/cameras/listing/days", headers=ADMIN).json()
    assert days == [DAY, "2025-06-15"]
    assert call(api, "GET", "/api/v1/cameras/listing/days?archived=true", headers=ADMIN).json() == [DAY]
    usage = call(api, "GET", "/api/v1/cameras/listing/usage", headers=ADMIN).json()
    size = api.index.video.stat().st_size
    assert usage == {"recordings_bytes": 2 * size, "archives_bytes": size, "continuous_bytes": 0,
                     "event_clips_bytes": 2 * size}

    clips = call(api, "GET", f"/api/v1/cameras/listing/clips?date={DAY}", headers=ADMIN).json()
    assert [c["id"] for c in clips] == [first, second]
    clip = clips[0]
    assert clip == {"id": first, "camera_id": "listing", "start_ms": epoch_ms(DAY, 10, 0, 0),
                    "end_ms": epoch_ms(DAY, 10, 0, 3), "duration_ms": 3000, "size_bytes": size,
                    "state": "complete", "archived": False, "comment": "", "has_thumbnail": True}
    archived = call(api, "GET", f"/api/v1/cameras/listing/clips?date={DAY}&archived=true", headers=ADMIN).json()
    assert [c["id"] for c in archived] == [second]
    assert call(api, "GET", f"/api/v1/clips/{first}", headers=ADMIN).json() == clip


def test_archive_moves_the_file_and_the_row_follows(api):
    clip = api.index.add("entree", 11, 15)
    before = api.index.row(clip)
    answer = call(api, "POST", f"/api/v1/clips/{clip}/archive", headers=ADMIN)
    assert answer.status == 200, answer
    assert answer.json()["archived"] is True and answer.json()["id"] == clip
    after = api.index.row(clip)
    assert after["archived"] == 1
    assert after["file"] == before["file"].replace("recordings/", "archives/", 1), after
    assert after["thumbnail"] == before["thumbnail"].replace("recordings/", "archives/", 1), after
    assert (api.data_dir / after["file"]).is_file() and (api.data_dir / after["thumbnail"]).is_file()
    assert not (api.data_dir / before["file"]).exists(), "the recordings copy is still there"
    assert not (api.data_dir / before["thumbnail"]).exists()
    assert (api.data_dir / after["file"]).read_bytes() == api.index.video.read_bytes()
    # Served from its new place.
    assert call(api, "GET", f"/api/v1/clips/{clip}/video", headers=ADMIN).body == api.index.video.read_bytes()
    # Archiving again is harmless.
    assert call(api, "POST", f"/api/v1/clips/{clip}/archive", headers=ADMIN).status == 200

    recording = api.index.add("entree", 11, 20, state="recording")
    answer = call(api, "POST", f"/api/v1/clips/{recording}/archive", headers=ADMIN)
    assert answer.status == 409 and "error" in answer.json(), answer
    assert api.index.row(recording)["archived"] == 0


def test_delete_removes_file_and_row(api):
    clip = api.index.add("entree", 13, 0)
    row = api.index.row(clip)
    answer = call(api, "DELETE", f"/api/v1/clips/{clip}", headers=ADMIN)
    assert answer.status == 204, answer
    assert api.index.row(clip) is None
    assert not (api.data_dir / row["file"]).exists() and not (api.data_dir / row["thumbnail"]).exists()
    assert call(api, "GET", f"/api/v1/clips/{clip}", headers=ADMIN).status == 404
    assert call(api, "DELETE", f"/api/v1/clips/{clip}", headers=ADMIN).status == 404

    recording = api.index.add("entree", 13, 5, state="recording")
    assert call(api, "DELETE", f"/api/v1/clips/{recording}", headers=ADMIN).status == 409
    assert api.index.row(recording) is not None


def test_comment_round_trips_as_data(api):
    clip = api.index.add("entree", 14, 0)
    answer = call(api, "PUT", f"/api/v1/clips/{clip}/comment", headers=ADMIN, body={"comment": XSS})
    assert answer.status == 200, answer
    assert answer.json()["comment"] == XSS
    again = call(api, "GET", f"/api/v1/clips/{clip}", headers=ADMIN)
    assert again.header("content-type").startswith("application/json")
    assert again.json()["comment"] == XSS
    assert api.index.row(clip)["comment"] == XSS, "stored as given"
    too_long = call(api, "PUT", f"/api/v1/clips/{clip}/comment", headers=ADMIN, body={"comment": "x" * 501})
    assert too_long.status == 400, too_long
    assert call(api, "PUT", f"/api/v1/clips/{clip}/comment", headers=ADMIN,
                body={"comment": "é" * 500}).status == 200, "500 characters (not bytes) are allowed"
    assert call(api, "PUT", f"/api/v1/clips/{clip}/comment", headers=ADMIN, body=b"not json").status == 400


def test_download_name(api):
    clip = api.index.add("entree", 21, 35, 46)
    comment = "Livreur pressé / colis déposé à l'entrée"
    assert call(api, "PUT", f"/api/v1/clips/{clip}/comment", headers=ADMIN, body={"comment": comment}).status == 200
    answer = call(api, "GET", f"/api/v1/clips/{clip}/download", headers=ADMIN)
    assert answer.status == 200, answer
    assert answer.header("content-disposition") == (
        f'attachment; filename="Entree_Nord_{DAY}_21_35_46_Livreur_presse_colis_depose_a_lentree.mp4"')
    assert answer.body == api.index.video.read_bytes()

    plain = api.index.add("entree", 21, 36, 0)
    answer = call(api, "GET", f"/api/v1/clips/{plain}/download", headers=ADMIN)
    assert answer.header("content-disposition") == f'attachment; filename="Entree_Nord_{DAY}_21_36_00.mp4"'


def test_video_range_requests(api):
    clip = api.index.add("entree", 15, 0)
    data = api.index.video.read_bytes()
    size = len(data)
    whole = call(api, "GET", f"/api/v1/clips/{clip}/video", headers=ADMIN)
    assert whole.status == 200 and whole.body == data
    assert whole.header("content-type") == "video/mp4" and whole.header("accept-ranges") == "bytes"

    part = call(api, "GET", f"/api/v1/clips/{clip}/video", headers={"Range": "bytes=100-1123", **ADMIN})
    assert part.status == 206, part
    assert part.header("content-range") == f"bytes 100-1123/{size}"
    assert part.body == data[100:1124] and part.header("content-length") == "1024"

    tail = call(api, "GET", f"/api/v1/clips/{clip}/video", headers={"Range": "bytes=-500", **ADMIN})
    assert tail.status == 206 and tail.body == data[-500:]
    open_end = call(api, "GET", f"/api/v1/clips/{clip}/video", headers={"Range": f"bytes={size - 10}-", **ADMIN})
    assert open_end.status == 206 and open_end.body == data[-10:]

    bad = call(api, "GET", f"/api/v1/clips/{clip}/video", headers={"Range": f"bytes={size}-", **ADMIN})
    assert bad.status == 416 and bad.header("content-range") == f"bytes */{size}", bad

    thumb = call(api, "GET", f"/api/v1/clips/{clip}/thumbnail", headers=ADMIN)
    assert thumb.status == 200 and thumb.body == api.index.thumb.read_bytes()
    assert thumb.header("content-type") == "image/jpeg"
    assert "max-age=86400" in thumb.header("cache-control") and "private" in thumb.header("cache-control")


def test_a_clip_being_recorded_is_served_at_its_current_size(api):
    clip = api.index.add("entree", 15, 30, state="recording")
    path = api.data_dir / api.index.row(clip)["file"]
    with open(path, "ab") as f:
        f.write(b"\0" * 1000)  # it grew since the last progress update
    answer = call(api, "GET", f"/api/v1/clips/{clip}/video", headers=ADMIN)
    assert answer.status == 200 and len(answer.body) == path.stat().st_size
    assert call(api, "GET", f"/api/v1/clips/{clip}", headers=ADMIN).json()["state"] == "recording"


def test_delete_an_hour_keeps_recording_and_archived_clips(api):
    doomed = [api.index.add("hourly", 16, m) for m in (0, 20, 59)]
    recording = api.index.add("hourly", 16, 40, state="recording")
    archived = api.index.add("hourly", 16, 45, archived=True)
    other_hour = api.index.add("hourly", 17, 0)
    files = [api.index.row(c)["file"] for c in doomed]
    answer = call(api, "DELETE", f"/api/v1/cameras/hourly/clips?date={DAY}&hour=16", headers=ADMIN)
    assert answer.status == 200 and answer.json() == {"deleted": 3}, answer
    left = {r["id"] for r in vmstest.read_clips(api.data_dir, "hourly")}
    assert left == {recording, archived, other_hour}
    assert not any((api.data_dir / f).exists() for f in files)
    for bad in ("24", "7", "1%00", "..", ""):
        assert call(api, "DELETE", f"/api/v1/cameras/hourly/clips?date={DAY}&hour={bad}",
                    headers=ADMIN).status == 400, bad
    assert call(api, "DELETE", f"/api/v1/cameras/hourly/clips?date={DAY}", headers=ADMIN).status == 400


def test_traversal_and_unknown_ids_never_reach_the_file_system(api):
    clip = api.index.add("entree", 18, 0)
    secret = Path("/etc/passwd").read_bytes()[:20]
    attempts = [
        "/api/v1/clips/..%2F..%2F..%2Fetc%2Fpasswd/video", "/api/v1/clips/%2e%2e/video",
        "/api/v1/clips/%2e%2e%2f%2e%2e%2fetc%2fpasswd/download", f"/api/v1/clips/{clip}%00/video",
        "/api/v1/clips/-1/video", "/api/v1/clips/0/thumbnail", f"/api/v1/clips/{clip}.0/video",
        "/api/v1/clips/99999999/video", "/api/v1/clips/99999999999999999999999/video",
        "/api/v1/cameras/..%2F..%2Fetc/days", "/api/v1/cameras/%2e%2e/clips?date=2025-06-14",
        "/api/v1/cameras/entree/clips?date=../../etc/passwd", "/api/v1/cameras/entree/clips?date=%2e%2e",
        "/api/v1/cameras/entree/clips?date=2025-06-14%00", "/api/v1/cameras/entree/clips?date=%2Fetc%2Fpasswd",
        "/api/v1/cameras/ENTREE/days", "/api/v1/cameras/no-such-camera/days",
        "/api/v1/cameras/no-such-camera/live.mjpeg", "/api/v1/cameras/..%2F/snapshot.jpg",
        "/api/v1/cameras/entree/clips?date=2025-06-14&archived=%00",
        "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", "/css/../../../etc/passwd",
        "/index.html%00", "/.%2e/.%2e/etc/passwd",
    ]
    for path in attempts:
        answer = call(api, "GET", path, headers=ADMIN)
        assert answer.status in (400, 404), f"GET {path}: {answer}"
        assert secret not in answer.body, f"GET {path} leaked a file"
        assert "error" in answer.json(), f"GET {path}: {answer}"


def test_live_and_snapshot_of_a_camera_without_picture(api):
    answer = call(api, "GET", "/api/v1/cameras/entree/snapshot.jpg", headers=ADMIN, timeout=15)
    assert answer.status == 503 and "error" in answer.json(), answer
    assert call(api, "GET", "/api/v1/cameras/old-cam/snapshot.jpg", headers=ADMIN).status == 404


def test_update_status_without_feed(api):
    answer = call(api, "GET", "/api/v1/update", headers=ADMIN).json()
    assert answer["available"] is False and answer["latest"] is None and answer["current"]


def test_static_ui_and_security_headers(api):
    page = call(api, "GET", "/")
    assert page.status == 200 and page.header("content-type") == "text/html; charset=utf-8"
    assert page.header("cache-control") == "no-cache"
    csp = page.header("content-security-policy")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert page.header("x-content-type-options") == "nosniff"
    assert call(api, "GET", "/index.html").body == page.body
    api_answer = call(api, "GET", "/api/v1/health")
    assert api_answer.header("x-content-type-options") == "nosniff"
    # The UI as bundled into this build (the sources may have moved on since).
    ui = vmstest.vms_binary().parent / "vms_WebUI.resources" / "ui"
    assert ui.is_dir(), f"no UI bundle beside the binary at {ui}"
    for file in ui.rglob("*"):
        if file.is_file() and not file.name.startswith("."):
            rel = "/" + file.relative_to(ui).as_posix()
            answer = call(api, "GET", rel)
            assert answer.status == 200 and answer.body == file.read_bytes(), rel
            assert answer.header("content-type") != "application/octet-stream" or file.suffix not in (
                ".html", ".css", ".js", ".mjs", ".svg", ".png"), rel


# ---------------------------------------------------------------------------------------------
# generated admin, hash-password


def test_first_start_without_users_creates_admin_once(workdir, vms):
    server = vms({})
    config = vmstest.vms_config(server.data_dir, server.port, {})
    del config["auth"]
    server.write_config_text(to_yaml(config) + "\n")
    server.start()
    stderr = server.stderr_path.read_text()
    lines = [line for line in stderr.splitlines() if "password:" in line]
    assert len(lines) == 1, stderr
    password = lines[0].split("password:")[1].strip(" |")
    users = server.data_dir / "auth" / "users.json"
    assert users.is_file() and (users.stat().st_mode & 0o777) == 0o600
    assert password not in users.read_text()
    assert call(server, "GET", "/api/v1/me", headers={"Authorization": basic("admin", password)}).status == 200
    server.stop()
    server.start()
    assert "password:" not in server.stderr_path.read_text(), "the password was shown twice"
    assert call(server, "GET", "/api/v1/me", headers={"Authorization": basic("admin", password)}).status == 200


def test_removing_the_last_user_while_running_brings_the_generated_admin(workdir, vms):
    server = vms({})
    server.start()
    assert call(server, "GET", "/api/v1/me", headers=ADMIN).status == 200
    assert "password:" not in server.stderr_path.read_text()
    config = vmstest.vms_config(server.data_dir, server.port, {})
    config["auth"]["users"] = []
    server.write_config_text(to_yaml(config) + "\n")
    # The configured user is gone at the next reload; the first request after it makes the admin.
    wait_until(lambda: call(server, "GET", "/api/v1/me", headers=ADMIN).status == 401, 5,
               "the removed user refused")
    lines = wait_until(lambda: [l for l in server.stderr_path.read_text().splitlines() if "password:" in l],
                       5, "the generated admin's password printed")
    assert len(lines) == 1, lines
    password = lines[0].split("password:")[1].strip(" |")
    assert call(server, "GET", "/api/v1/me", headers={"Authorization": basic("admin", password)}).status == 200


def test_sessions_survive_a_restart_and_end_with_a_password_change(workdir, vms):
    server = vms({})
    server.start()

    def sign_in(password):
        answer = call(server, "POST", "/api/v1/login", body={"name": TEST_USER, "password": password})
        assert answer.status == 200, answer
        return {"Cookie": answer.header("set-cookie").split(";")[0]}

    def me(session):
        return call(server, "GET", "/api/v1/me", headers=session).status

    kept, signed_out = sign_in(TEST_PASSWORD), sign_in(TEST_PASSWORD)
    assert call(server, "POST", "/api/v1/logout", headers=signed_out).status == 204
    server.stop()
    stored = server.data_dir / "auth" / "sessions.json"
    assert stored.is_file() and (stored.stat().st_mode & 0o777) == 0o600
    assert kept["Cookie"].split("=", 1)[1] not in stored.read_text(), "a usable session token is on disk"

    server.start()
    assert me(kept) == 200, "the restart signed the browser out"
    assert me(signed_out) == 401, "a signed-out session came back with the restart"

    # A new password in the YAML (hot reload) ends the sessions opened with the old one.
    config = vmstest.vms_config(server.data_dir, server.port, {})
    config["auth"]["users"][0]["password_hash"] = hash_password("a-new-password")
    server.write_config_text(to_yaml(config) + "\n")
    wait_until(lambda: me(kept) == 401, 5, "the old session refused after the password change")
    assert me(sign_in("a-new-password")) == 200


# ---------------------------------------------------------------------------------------------
# WebSocket events (real camera)


@pytest.mark.slow
def test_websocket_snapshot_then_motion(workdir, testcam, vms):
    cam = testcam("ws", fps=10, gop=10, motion_duration=4)
    server = vms({"front": camera_config(cam.url, name="Front", detector="mog2", fps=5, warmup="1s",
                                         pre_roll="1s", post_roll="1s", min_duration="2s")})
    server.start()
    # Refused without credentials and from another origin. The refusal happens before the upgrade,
    # in NIO's upgrader, which answers 400 whatever our status (a browser sees a failed socket either
    # way); what matters is that no socket is opened.
    for headers in ({}, {"Origin": "http://evil.example", **ADMIN}, {"Authorization": basic("admin", "x")}):
        refused = WebSocket(server.port, "/api/v1/events", headers)
        assert refused.status in (400, 401, 403), (headers, refused.status)
        refused.close()
    # Without the Upgrade header the same route answers like every API route.
    assert call(server, "GET", "/api/v1/events").status == 401

    ws = WebSocket(server.port, "/api/v1/events", {"Origin": f"http://127.0.0.1:{server.port}", **ADMIN})
    try:
        assert ws.status == 101
        first = ws.message(timeout=5)
        assert first["type"] == "snapshot", first
        assert [c["id"] for c in first["cameras"]] == ["front"], first
        assert set(first["cameras"][0]) == {"id", "name", "state", "error", "motion", "recording"}

        def connected_and_warm():
            status = server.camera_status("front") or {}
            return status.get("state") == "connected"

        wait_until(connected_and_warm, 20, "camera front connected", details=server.log_tail)
        time.sleep(2.5)  # past the detector's warm-up
        # Drain what the connection produced, then start motion and expect it over the socket.
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            try:
                ws.message(timeout=0.3)
            except (TimeoutError, socket.timeout):
                break
        onset, _ = cam.trigger_motion()
        seen = []
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            try:
                message = ws.message(timeout=max(0.1, deadline - time.monotonic()))
            except (TimeoutError, socket.timeout):
                break
            seen.append(message)
            if message["type"] == "camera" and message["camera"]["id"] == "front" and message["camera"]["motion"]:
                break
        else:
            pass
        motion = [m for m in seen if m["type"] == "camera" and m["camera"]["motion"]]
        assert motion, f"no motion message within 6 s of the onset: {seen}"
        assert time.time() - onset < 6

        snapshot = call(server, "GET", "/api/v1/cameras/front/snapshot.jpg", headers=ADMIN, timeout=10)
        assert snapshot.status == 200 and snapshot.body[:3] == b"\xff\xd8\xff", snapshot
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/api/v1/cameras/front/live.mjpeg", headers=ADMIN)
        live = conn.getresponse()
        assert live.status == 200
        assert live.getheader("Content-Type") == "multipart/x-mixed-replace; boundary=frame"
        start = live.read(200)
        assert start.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n"), start
        conn.close()  # the server must notice and stop (checked by the clean shutdown below)
    finally:
        ws.close()
    server.stop()


# ---------------------------------------------------------------------------------------------
# camera management: an edit writes only what changed; a refused edit names every problem


HAND_WRITTEN = """\
# Site configuration, written by hand.
server:
  listen: "127.0.0.1:{port}"
  data_dir: "{data}"
auth:
  users:
    - {{ name: {user}, password_hash: "{hash}", role: admin }}
storage:
  retention_days: 14   # two weeks, for every camera that sets none
  max_bytes: 0
  min_free_bytes: 0
cameras:
  front:                          # the porch
    name: Front door
    enabled: false
    record_url: "rtsp://user:s3cret@127.0.0.1:1/main"
    detector: {{ type: mog2, fps: 5, var_threshold: 25 }}   # windy
    # tuned for the porch
    recording:
      post_roll: 4s
  back:
    enabled: false
    record_url: rtsp://127.0.0.1:1/back
    retention_days: 3
"""


def changed_lines(before: str, after: str):
    """(removed, added) lines between two texts, in order."""
    import difflib

    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [l[2:] for l in diff if l.startswith("- ")], [l[2:] for l in diff if l.startswith("+ ")]


def hand_written_server(vms):
    server = vms()
    server.write_config_text(HAND_WRITTEN.format(port=server.port, data=server.data_dir, user=TEST_USER,
                                                 hash=TEST_PASSWORD_HASH))
    server.start()
    return server


def camera_edit(server, camera_id, body, method="PUT"):
    state = call(server, "GET", "/api/v1/config", headers=ADMIN).json()
    path = f"/api/v1/cameras/{camera_id}" if method == "PUT" else "/api/v1/cameras"
    return call(server, method, path, headers={"Origin": server.base_url, **ADMIN},
                body={**body, "config_hash": state["config_hash"]})


def cameras_of(server):
    return {c["id"]: c for c in call(server, "GET", "/api/v1/cameras", headers=ADMIN).json()}


def test_an_edit_from_the_ui_writes_only_what_changed(workdir, vms):
    """Renaming a camera through the API changes its name line and nothing else: comments, key order,
    flow style, detector options and the absence of retention_days stay, so the camera keeps following
    storage.retention_days (issue 11)."""
    server = hand_written_server(vms)
    original = server.config_path.read_text()
    shown = cameras_of(server)["front"]
    assert shown["retention_days"] == 14, shown

    # Only the name, as a script would send it.
    answer = camera_edit(server, "front", {"name": "Porch"})
    assert answer.status == 200, answer
    after_name = server.config_path.read_text()
    removed, added = changed_lines(original, after_name)
    assert (removed, added) == (["    name: Front door"], ["    name: Porch"]), (removed, added, after_name)

    # The whole Camera object back with one field changed, as the edit form sends it.
    shape = {k: v for k, v in cameras_of(server)["front"].items() if k not in ("status", "usage", "storage", "configured")}
    answer = camera_edit(server, "front", {**shape, "name": "Front door"})
    assert answer.status == 200, answer
    after_form = server.config_path.read_text()
    assert changed_lines(after_name, after_form) == (["    name: Porch"], ["    name: Front door"]), after_form
    assert after_form == original, "a round trip through the form changed the file"

    # The camera has no retention_days of its own: it follows a later change of the default.
    assert "retention_days" not in after_form.split("  front:")[1].split("  back:")[0]
    server.write_config_text(after_form.replace("retention_days: 14   #", "retention_days: 30   #"))
    wait_until(lambda: cameras_of(server)["front"]["retention_days"] == 30, 5,
               "camera front to follow storage.retention_days", details=server.log_tail)
    assert cameras_of(server)["back"]["retention_days"] == 3

    # A changed setting is one line added to the block, in its place; the comments stay.
    before = server.config_path.read_text()
    answer = camera_edit(server, "front", {"retention_days": 7, "recording": {"pre_roll_seconds": 2}})
    assert answer.status == 200, answer
    after = server.config_path.read_text()
    removed, added = changed_lines(before, after)
    assert removed == [] and sorted(added) == ["      pre_roll: 2s", "    retention_days: 7"], (removed, added, after)
    assert "# tuned for the porch" in after and "# windy" in after and "# the porch" in after
    camera = cameras_of(server)["front"]
    assert camera["retention_days"] == 7 and camera["recording"]["pre_roll_seconds"] == 2
    assert camera["recording"]["post_roll_seconds"] == 4 and camera["detector"]["fps"] == 5


def test_a_refused_edit_names_every_problem_with_its_field(workdir, vms):
    """Two bad values in one edit: the answer lists both problems, each with the field of the Camera
    object it belongs to, and the file is not touched."""
    server = hand_written_server(vms)
    original = server.config_path.read_text()
    answer = camera_edit(server, "front", {"detector": {"fps": 5000}, "live": {"width": 3}, "name": " "})
    assert answer.status == 400, answer
    body = answer.json()
    assert body.get("error"), body
    problems = body.get("problems")
    assert isinstance(problems, list), body
    fields = {p.get("field"): p.get("message") for p in problems}
    assert {"detector.fps", "live.width", "name"} <= set(fields), problems
    assert "5000" in fields["detector.fps"] and "3" in fields["live.width"], problems
    for message in fields.values():
        assert not message.startswith("cameras."), f"the key path is repeated in the message: {message}"
    assert server.config_path.read_text() == original

    # A new camera without an id or a record URL: both reported at once.
    answer = camera_edit(server, None, {"id": "Front Door", "name": "x"}, method="POST")
    assert answer.status == 400, answer
    fields = {p.get("field") for p in answer.json().get("problems", [])}
    assert {"id", "record_url"} <= fields, answer.json()
    assert server.config_path.read_text() == original


@pytest.mark.slow
def test_a_removed_camera_keeps_its_name_with_its_history(workdir, testcam, vms):
    """Camera front, named "Front door", records a clip and is removed from the file: its history is
    still listed under "Front door" (also after a restart), and its downloads are named after it."""
    cam = testcam("front", fps=10, gop=10, motion_duration=3)
    server = vms({"front": camera_config(cam.url, name="Front door", detector="mog2", fps=5, warmup="1s",
                                         pre_roll="1s", post_roll="1s", min_duration="2s"),
                  "yard": camera_config("rtsp://127.0.0.1:1/yard", name="Yard", enabled=False)})
    server.start()
    vmstest.wait_connected_and_warm(server, "front", 1.0)
    cam.trigger_motion()
    clip = wait_until(lambda: next((c for c in server.clips("front") if c["state"] == "complete"), None), 30,
                      "a complete clip of camera front", details=server.log_tail)

    config = vmstest.vms_config(server.data_dir, server.port,
                                {"yard": camera_config("rtsp://127.0.0.1:1/yard", name="Yard", enabled=False)})
    server.write_config_text(to_yaml(config) + "\n")
    wait_until(lambda: cameras_of(server)["front"]["configured"] is False, 5, "camera front removed",
               details=server.log_tail)

    def named_history():
        front = cameras_of(server)["front"]
        assert front["configured"] is False and front["usage"]["recordings_bytes"] > 0, front
        assert front["name"] == "Front door", front
        download = call(server, "GET", f"/api/v1/clips/{clip['id']}/download", headers=ADMIN)
        assert download.status == 200, download
        assert 'filename="Front_door_' in download.header("content-disposition"), download.headers

    named_history()
    server.stop()
    server.start()
    named_history()


# ---------------------------------------------------------------------------------------------
# update feed


def test_update_feed_announces_a_newer_version(workdir, vms):
    import http.server
    import threading

    class Feed(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"version": "9.10.0", "notes": "Faster <b>everything</b>",
                               "download_url": "https://example.invalid/vms-9.10.0.tar.gz"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    feed = http.server.HTTPServer(("127.0.0.1", 0), Feed)
    thread = threading.Thread(target=feed.serve_forever, daemon=True)
    thread.start()
    try:
        server = vms({})
        config = vmstest.vms_config(server.data_dir, server.port, {})
        config["updates"] = {"feed_url": f"http://127.0.0.1:{feed.server_port}/version.json"}
        server.write_config_text(to_yaml(config) + "\n")
        server.start()
        answer = wait_until(
            lambda: (lambda a: a if a.get("latest") else None)(call(server, "GET", "/api/v1/update", headers=ADMIN).json()),
            10, "the update feed to be read")
        assert answer == {"current": answer["current"], "latest": "9.10.0", "notes": "Faster <b>everything</b>",
                          "download_url": "https://example.invalid/vms-9.10.0.tar.gz", "available": True}
        # Removing feed_url (hot reload) turns the announcement off without a restart.
        del config["updates"]
        server.write_config_text(to_yaml(config) + "\n")
        wait_until(lambda: call(server, "GET", "/api/v1/update", headers=ADMIN).json()["available"] is False,
                   8, "the announcement gone once the feed is removed")
    finally:
        feed.shutdown()
        feed.server_close()


def test_unreachable_update_feed_never_blocks(workdir, vms):
    server = vms({})
    config = vmstest.vms_config(server.data_dir, server.port, {})
    config["updates"] = {"feed_url": f"http://127.0.0.1:{vmstest.free_port()}/version.json"}
    server.write_config_text(to_yaml(config) + "\n")
    server.start()
    began = time.monotonic()
    answer = call(server, "GET", "/api/v1/update", headers=ADMIN).json()
    assert time.monotonic() - began < 1 and answer["available"] is False
    wait_until(lambda: "update feed" in server.stderr_path.read_text(), 10, "the unreachable feed to be logged")
    time.sleep(0.5)
    assert server.stderr_path.read_text().count("update feed") == 1
