"""Live video over WebSocket for MSE players (issue 13), against a real RTSP camera (GStreamer,
H.264): what a player receives is the camera's own video, starting at once from the newest keyframe,
and it plays (FFmpeg reads the init segment and fragments back as video at the camera's rate); a
player that never keeps up is moved to later keyframes and told so, without slowing the camera.

Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_live_video.py -q
"""

from __future__ import annotations

import base64
import json
import time

import pytest

import vmstest
from vmstest import TEST_PASSWORD, TEST_USER, WebSocket, camera_config, wait_until

pytestmark = pytest.mark.slow

ADMIN = {"Authorization": "Basic " + base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()}
FPS = 15
GOP = 60  # 4 s between keyframes: a viewer must still get a picture at once


def live(server, path="/api/v1/cameras/front/live", headers=None):
    origin = {"Origin": f"http://127.0.0.1:{server.port}"}
    return WebSocket(server.port, path, {**origin, **ADMIN} if headers is None else headers)


def test_a_viewer_gets_the_cameras_own_video_from_the_newest_keyframe_and_it_plays(workdir, testcam, vms):
    cam = testcam("live", fps=FPS, gop=GOP)
    server = vms({"front": camera_config(cam.url, name="Front", detector="none")})
    server.start()
    wait_until(lambda: (server.camera_status("front") or {}).get("state") == "connected", 20,
               "camera front connected", details=server.log_tail)
    time.sleep(5)  # past the first keyframe interval: the newest keyframe is now up to 4 s old

    # Refused before any socket opens: unknown camera, unknown stream, no credentials.
    for path, headers in (("/api/v1/cameras/nope/live", None), ("/api/v1/cameras/front/live?stream=x", None),
                          ("/api/v1/cameras/front/live", {"Origin": f"http://127.0.0.1:{server.port}"})):
        refused = live(server, path, headers)
        assert refused.status in (400, 401, 404), (path, refused.status)
        refused.close()

    opened = time.monotonic()
    ws = live(server)
    try:
        assert ws.status == 101
        kind, text = ws.frame(timeout=5)
        assert kind == "text", (kind, text)
        stream = json.loads(text)
        assert stream["type"] == "stream" and stream["generation"] >= 1, stream
        assert stream["mime"].startswith('video/mp4; codecs="avc1.'), stream
        assert (stream["width"], stream["height"]) == (640, 360), stream
        kind, init_segment = ws.frame(timeout=5)
        assert kind == "binary" and init_segment[4:8] == b"ftyp", init_segment[:16]
        kind, first = ws.frame(timeout=5)
        first_after = time.monotonic() - opened
        assert kind == "binary" and first[4:8] == b"moof", first[:16]
        assert first_after < 1.0, f"first fragment {first_after:.2f} s after the upgrade (GOP 4 s)"

        # Six seconds of fragments, acknowledged as a player appending them would.
        fragments = [first]
        acked = len(first)
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            kind, payload = ws.frame(timeout=5)
            if kind == "binary":
                fragments.append(payload)
                acked += len(payload)
                ws.send_text(json.dumps({"type": "ack", "bytes": acked}))
            else:
                assert json.loads(payload)["type"] != "skip", payload
    finally:
        ws.close()

    path = workdir / "live.mp4"
    path.write_bytes(init_segment + b"".join(fragments))
    assert vmstest.decode_errors(path) == "", "the fragments decode cleanly"
    frames = vmstest.count_frames(path)
    info = vmstest.ffprobe(path)
    # Up to one GOP from the cache at once, then the camera's rate: at least 6 s of frames.
    assert frames >= 6 * FPS * 0.9, frames
    assert info["duration"] == pytest.approx(frames / FPS, rel=0.1), (info, frames)


def live_metric(server, name, stream="main"):
    """The value of a live video series in GET /metrics for camera front (None when absent)."""
    import urllib.request
    request = urllib.request.Request(server.base_url + "/metrics", headers=ADMIN)
    with urllib.request.urlopen(request, timeout=5) as answer:
        text = answer.read().decode()
    for line in text.splitlines():
        if line.startswith(name + "{") and 'camera="front"' in line and f'stream="{stream}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def test_viewers_are_counted_per_stream_in_metrics_and_health(workdir, testcam, vms):
    cam = testcam("count", fps=FPS, gop=FPS)
    server = vms({"front": camera_config(cam.url, name="Front", detector="none")})
    server.start()
    wait_until(lambda: (server.camera_status("front") or {}).get("state") == "connected", 20,
               "camera front connected", details=server.log_tail)
    assert live_metric(server, "vms_live_viewers") == 0
    assert server.camera_status("front")["live_viewers"] == {"main": 0, "sub": 0}
    viewers = [live(server) for _ in range(2)]
    try:
        for ws in viewers:
            assert ws.status == 101 and ws.frame(timeout=5)[0] == "text"
        assert live_metric(server, "vms_live_viewers") == 2
        assert server.camera_status("front")["live_viewers"] == {"main": 2, "sub": 0}
    finally:
        for ws in viewers:
            ws.close()
    wait_until(lambda: live_metric(server, "vms_live_viewers") == 0, 5, "viewers gone from the gauge")
    assert server.camera_status("front")["live_viewers"] == {"main": 0, "sub": 0}
    assert live_metric(server, "vms_live_skips_total") == 0


def test_a_player_that_never_keeps_up_is_moved_to_later_keyframes_and_the_camera_is_not_slowed(
        workdir, testcam, vms):
    cam = testcam("slow", fps=FPS, gop=FPS, width=1280, height=720)
    server = vms({"front": camera_config(cam.url, name="Front", detector="none")})
    server.start()
    wait_until(lambda: (server.camera_status("front") or {}).get("state") == "connected", 20,
               "camera front connected", details=server.log_tail)
    slow = live(server)
    try:
        assert slow.status == 101
        # The slow player reads everything and acknowledges nothing: its decoder is stuck. It is
        # told it fell behind, and then nothing more comes until it catches up.
        received = 0
        behind = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and behind is None:
            kind, payload = slow.frame(timeout=5)
            if kind == "binary":
                received += len(payload)
            elif json.loads(payload)["type"] == "behind":
                behind = json.loads(payload)
        assert behind and behind["skips"] == 1, "a player that acknowledges nothing is told it is behind"
        # It catches up (acknowledges all it got): it resumes at a keyframe and is told what it missed.
        slow.send_text(json.dumps({"type": "ack", "bytes": received}))
        kind, payload = slow.frame(timeout=5)
        assert kind == "text", (kind, payload[:16])
        skip = json.loads(payload)
        assert skip["type"] == "skip" and skip["frames"] > 0 and skip["skips"] == 1, skip
        assert live_metric(server, "vms_live_skips_total") == 1
        kind, after_skip = slow.frame(timeout=5)
        assert kind == "binary" and after_skip[4:8] == b"moof"
        # Meanwhile the camera is untouched and a new viewer starts at once.
        assert (server.camera_status("front") or {}).get("state") == "connected"
        opened = time.monotonic()
        other = live(server)
        try:
            assert [other.frame(timeout=5)[0] for _ in range(3)] == ["text", "binary", "binary"]
            assert time.monotonic() - opened < 1.0
        finally:
            other.close()
    finally:
        slow.close()


def jpeg_size(data):
    """(width, height) from a JPEG's start-of-frame marker."""
    i = 2
    while i + 9 < len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xC3:
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None


def test_a_snapshot_of_the_main_stream_is_its_newest_keyframe_at_full_resolution(workdir, testcam, vms):
    import urllib.error
    import urllib.request
    cam = testcam("still", fps=FPS, gop=FPS, width=1280, height=720)
    server = vms({"front": camera_config(cam.url, name="Front", detector="none")})
    server.start()
    wait_until(lambda: (server.camera_status("front") or {}).get("state") == "connected", 20,
               "camera front connected", details=server.log_tail)

    def get(query):
        request = urllib.request.Request(server.base_url + "/api/v1/cameras/front/snapshot.jpg" + query,
                                         headers=ADMIN)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, answer.headers.get("Content-Type"), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type"), error.read()

    wait_until(lambda: get("?stream=main")[0] == 200, 10, "a keyframe to snapshot", details=server.log_tail)
    status, kind, body = get("?stream=main")
    assert (status, kind) == (200, "image/jpeg"), (status, kind, body[:200])
    assert jpeg_size(body) == (1280, 720)
    # Without `stream`: the live MJPEG picture as before (live.width, 640 px by default).
    wait_until(lambda: get("")[0] == 200, 10, "the live picture", details=server.log_tail)
    status, kind, body = get("")
    assert (status, kind) == (200, "image/jpeg") and jpeg_size(body)[0] == 640, (status, jpeg_size(body))
    assert get("?stream=x")[0] == 400


def test_a_camera_with_aac_audio_gets_it_as_a_second_track(workdir, testcam, vms):
    import subprocess
    cam = testcam("sound", fps=FPS, gop=FPS, audio="aac")
    server = vms({"front": camera_config(cam.url, name="Front", detector="none")})
    server.start()
    wait_until(lambda: (server.camera_status("front") or {}).get("state") == "connected", 20,
               "camera front connected", details=server.log_tail)
    time.sleep(1.5)
    ws = live(server)
    try:
        kind, text = ws.frame(timeout=5)
        stream = json.loads(text)
        assert stream["type"] == "stream" and len(stream["codecs"]) == 2, stream
        assert stream["codecs"][0].startswith("avc1.") and stream["codecs"][1] == "mp4a.40.2", stream
        assert stream["mime"].endswith(',mp4a.40.2"'), stream
        kind, init_segment = ws.frame(timeout=5)
        assert kind == "binary" and init_segment[4:8] == b"ftyp"
        fragments, acked = [], 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            kind, payload = ws.frame(timeout=5)
            if kind == "binary":
                fragments.append(payload)
                acked += len(payload)
                ws.send_text(json.dumps({"type": "ack", "bytes": acked}))
    finally:
        ws.close()
    path = workdir / "live-audio.mp4"
    path.write_bytes(init_segment + b"".join(fragments))
    assert vmstest.decode_errors(path) == "", "video and audio decode cleanly"
    info = vmstest.ffprobe(path)
    assert [a["codec_name"] for a in info["audio"]] == ["aac"], info
    # The audio runs alongside the video: as long, give or take a frame or two of each.
    durations = {}
    for selector in ("v:0", "a:0"):
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", selector, "-show_entries",
             "packet=pts_time,duration_time", "-of", "csv=p=0", str(path)],
            capture_output=True, text=True, timeout=60)
        rows = [line.split(",") for line in out.stdout.split() if line]
        assert rows, f"no {selector} packets in the fragments"
        starts = [float(r[0]) for r in rows]
        durations[selector] = (min(starts), max(starts) + float(rows[-1][1]))
    (v0, v1), (a0, a1) = durations["v:0"], durations["a:0"]
    assert v1 - v0 >= 5, durations
    assert abs(a0 - v0) < 0.3 and abs(a1 - v1) < 0.5, durations


def test_the_live_socket_refuses_a_foreign_origin_and_lets_a_viewer_watch(workdir, testcam, vms):
    """Same rules as /api/v1/events: a page of another site is refused even with good credentials
    (before the upgrade, which NIO's upgrader answers with 400 whatever our 403: no socket opens);
    a user with the viewer role may watch (101 and the stream message)."""
    from vmstest import run_vms, to_yaml, vms_config
    cam = testcam("rules", fps=FPS, gop=FPS)
    server = vms()
    user, password = "watcher", "a long enough password"
    hashed = run_vms(["hash-password"], timeout=60, stdin_text=password).stdout.strip()
    config = vms_config(server.data_dir, server.port,
                        {"front": camera_config(cam.url, name="Front", detector="none")})
    config["auth"]["users"].append({"name": user, "password_hash": hashed, "role": "viewer"})
    server.write_config_text(to_yaml(config) + "\n")
    server.start()
    wait_until(lambda: (server.camera_status("front") or {}).get("state") == "connected", 20,
               "camera front connected", details=server.log_tail)
    foreign = live(server, headers={**ADMIN, "Origin": "http://evil.example"})
    try:
        assert foreign.status in (400, 403), foreign.status
    finally:
        foreign.close()
    viewer_auth = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
                   "Origin": f"http://127.0.0.1:{server.port}"}
    viewer = live(server, headers=viewer_auth)
    try:
        assert viewer.status == 101, viewer.status
        assert json.loads(viewer.frame(timeout=5)[1])["type"] == "stream"
    finally:
        viewer.close()
