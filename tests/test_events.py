"""Motion events as ranges in the index (issue 14), against real parts: a GStreamer RTSP test camera
with a scripted motion schedule, the vms binary, its SQLite index and the events WebSocket.

- Continuous mode: one event row per motion window of the camera, starting within the detection
  delay of the window and ending after it, pointing into the segments by time (no clip), pushed on
  the WebSocket when it opens and when it closes, with a JPEG thumbnail; `check-storage` stays clean.
- Events mode: each clip is one event (`clip_id`); switching the camera to continuous by hot reload
  keeps every earlier clip and event.
- Crash: an event open when the server is killed -9 is closed at the next start where its footage
  ends.
- Retention per kind: segments aged by editing the index while the server is stopped; on restart
  the janitor deletes the quiet ones first and keeps those under an event until events_days.

Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_events.py -p no:cacheprovider -q
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import urllib.request

import pytest

from vmstest import (
    TEST_PASSWORD,
    TEST_USER,
    WebSocket,
    camera_config,
    run_vms,
    sleep_until,
    wait_connected_and_warm,
    wait_until,
)

pytestmark = [pytest.mark.slow]

FPS = 10
CAM = dict(fps=FPS, gop=FPS, width=320, height=180)
# An event starts where the motion began: at most this much after the window opened (RTSP latency,
# one analysed frame at 5 fps, the 2-frame rule) and never much before it.
START_EARLY = 0.5
START_LATE = 1.0
# It ends at the last frame that moved: the box leaves with the window, the frame after still differs.
END_EARLY = 0.5
END_LATE = 1.5
DAY_MS = 86_400_000


def auth_header():
    import base64

    return "Basic " + base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()


def api(server, path, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.base_url + path, data=data, method=method)
    request.add_header("Authorization", auth_header())
    if body is not None:
        request.add_header("Content-Type", "application/json")
        request.add_header("Origin", server.base_url)
    with urllib.request.urlopen(request, timeout=5) as response:
        payload = response.read()
        kind = response.headers.get("Content-Type", "")
        return json.loads(payload) if kind.startswith("application/json") else payload


def events_of(server, camera_id):
    """Rows of table `event` of a camera, oldest first."""
    with sqlite3.connect(server.data_dir / "vms.sqlite", timeout=10) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM event WHERE camera_id = ? ORDER BY start_ms, id", (camera_id,))
        return [dict(row) for row in rows]


def clips_of(server, camera_id):
    with sqlite3.connect(server.data_dir / "vms.sqlite", timeout=10) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM clip WHERE camera_id = ? ORDER BY start_ms, id", (camera_id,))
        return [dict(row) for row in rows]


class EventSocket:
    """/api/v1/events read in a thread: every `event` message, in order."""

    def __init__(self, server):
        self.events: list[dict] = []
        self.ws = WebSocket(server.port, "/api/v1/events",
                            {"Authorization": auth_header(), "Origin": server.base_url})
        assert self.ws.status == 101, f"/api/v1/events did not upgrade: {self.ws.status}"
        self._thread = threading.Thread(target=self._run, name="events", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            while True:
                kind, payload = self.ws.frame(timeout=None)
                message = json.loads(payload) if kind == "text" else {}
                if message.get("type") == "event":
                    self.events.append(message["event"])
        except (OSError, ConnectionError, ValueError):
            return

    def close(self):
        try:
            self.ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.ws.close()
        self._thread.join(timeout=5)


def check_storage_clean(server):
    result = run_vms(["check-storage", "--config", str(server.config_path)], timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "storage is consistent" in result.stdout, result.stdout


def assert_matches_window(event, onset, length):
    start, end = event["start_ms"] / 1000, (event["end_ms"] or 0) / 1000
    assert -START_EARLY <= start - onset <= START_LATE, (
        f"event starts {start - onset:+.2f} s from the window's start: {event}")
    assert -END_EARLY <= end - (onset + length) <= END_LATE, (
        f"event ends {end - onset - length:+.2f} s from the window's end: {event}")
    assert start * 1000 <= event["peak_ms"] <= end * 1000, event
    assert event["peak_score"] >= 0.5, event


@pytest.mark.xdist_group("events-continuous")
def test_continuous_mode_events_match_the_motion_schedule_and_are_pushed(testcam, vms):
    windows = [(12.0, 4.0), (24.0, 5.0)]
    cam = testcam("yard", motion=",".join(f"{s:g}:{d:g}" for s, d in windows), **CAM)
    camera = camera_config(cam.url, name="Yard")
    camera["recording"].update(mode="continuous", segment="10s")
    server = vms({"yard": camera})
    server.start()
    socket_ = EventSocket(server)
    try:
        last_end = cam.at(windows[-1][0] + windows[-1][1])
        wait_until(lambda: len([e for e in events_of(server, "yard") if e["end_ms"]]) >= len(windows),
                   last_end - time.time() + 15, "every motion window closed as an event",
                   details=server.log_tail)
        sleep_until(last_end + 3)  # nothing more may come
        rows = events_of(server, "yard")
        assert len(rows) == len(windows), rows
        for row, (start, length) in zip(rows, windows):
            assert_matches_window(row, cam.at(start), length)
            assert row["clip_id"] is None, "continuous mode: the event points into segments by time"
            assert row["label"] is None and row["reviewed"] == 0
        # Segments cover every event, and they are segments.
        segments = clips_of(server, "yard")
        assert {s["kind"] for s in segments} == {"segment"}, segments
        for row in rows:
            covering = [s for s in segments if s["start_ms"] <= row["end_ms"]
                        and (s["end_ms"] or 2**62) >= row["start_ms"]]
            assert covering and covering[0]["start_ms"] <= row["start_ms"], (row, covering)

        # The API lists them newest first in the documented shape, with a JPEG at the peak.
        listed = api(server, "/api/v1/motion-events?camera=yard")["events"]
        assert [e["id"] for e in listed] == [r["id"] for r in reversed(rows)]
        for event in listed:
            assert event["thumbnail_url"] == f"/api/v1/motion-events/{event['id']}/thumbnail", event
            jpeg = api(server, event["thumbnail_url"])
            assert jpeg[:2] == b"\xff\xd8", "a JPEG"

        # Pushed live: each event opened (end_ms null) and closed with the row's values.
        wait_until(lambda: sum(1 for e in socket_.events if e["end_ms"]) >= len(rows), 5,
                   "the closed events pushed", details=lambda: socket_.events)
        for row in rows:
            pushed = [e for e in socket_.events if e["id"] == row["id"]]
            assert pushed[0]["end_ms"] is None, pushed
            assert pushed[-1]["end_ms"] == row["end_ms"], (pushed, row)
            assert pushed[-1]["peak_score"] == pytest.approx(row["peak_score"], abs=0.01)
            # Opened, peak rises at most once a second, closed.
            assert len(pushed) <= 2 + (row["end_ms"] - row["start_ms"]) / 1000 + 1, pushed
    finally:
        socket_.close()
    server.stop()
    check_storage_clean(server)


@pytest.mark.xdist_group("events-clips")
def test_events_mode_each_clip_is_one_event_and_a_switch_to_continuous_keeps_them(testcam, vms):
    windows = [(10.0, 3.0), (22.0, 3.0)]
    cam = testcam("door", motion=",".join(f"{s:g}:{d:g}" for s, d in windows), **CAM)
    camera = camera_config(cam.url, name="Door")
    server = vms({"door": camera})
    server.start()
    last_end = cam.at(windows[-1][0] + windows[-1][1])

    def complete():
        return [c for c in clips_of(server, "door") if c["state"] == "complete"]

    wait_until(lambda: len(complete()) >= len(windows), last_end - time.time() + 20,
               "a complete clip per window", details=server.log_tail)
    clips = complete()
    rows = events_of(server, "door")
    assert len(clips) == len(rows) == len(windows), (clips, rows)
    for clip, row, (start, length) in zip(clips, rows, windows):
        assert clip["kind"] == "event"
        assert row["clip_id"] == clip["id"], "the event is its clip"
        assert clip["start_ms"] <= row["start_ms"] and row["end_ms"] <= clip["end_ms"], (clip, row)
        assert_matches_window(row, cam.at(start), length)

    # Hot reload to continuous: every earlier clip and event stays, segments follow.
    camera["recording"].update(mode="continuous", segment="4s")
    server.write_config({"door": camera})
    wait_until(lambda: any(c["kind"] == "segment" and c["state"] == "complete"
                           for c in clips_of(server, "door")), 20, "a continuous segment",
               details=server.log_tail)
    after = clips_of(server, "door")
    assert [c["id"] for c in clips] == [c["id"] for c in after if c["kind"] == "event"]
    assert [r["id"] for r in rows] == [r["id"] for r in events_of(server, "door")][:len(rows)]
    for row in api(server, "/api/v1/motion-events?camera=door")["events"]:
        assert row["id"] in {r["id"] for r in rows}
    server.stop()
    check_storage_clean(server)


@pytest.mark.xdist_group("events-retention")
def test_retention_deletes_continuous_footage_outside_events_first(testcam, vms):
    windows = [(10.0, 4.0)]
    cam = testcam("lot", motion="10:4", **CAM)
    camera = camera_config(cam.url, name="Lot")
    camera["recording"].update(mode="continuous", segment="3s")
    server = vms({"lot": camera})
    server.start()
    end = cam.at(14.0)
    wait_until(lambda: any(e["end_ms"] for e in events_of(server, "lot")), end - time.time() + 10,
               "the motion window closed as an event", details=server.log_tail)
    sleep_until(end + 7)  # quiet segments after the event too
    server.stop()
    (event,) = events_of(server, "lot")
    assert_matches_window(event, cam.at(windows[0][0]), windows[0][1])

    # Five days pass: every row moves back, the server is stopped (the index is ours).
    with sqlite3.connect(server.data_dir / "vms.sqlite") as db:
        db.execute("UPDATE clip SET start_ms = start_ms - ?, end_ms = end_ms - ?", (5 * DAY_MS, 5 * DAY_MS))
        db.execute("UPDATE event SET start_ms = start_ms - ?, end_ms = end_ms - ?, peak_ms = peak_ms - ?",
                   (5 * DAY_MS, 5 * DAY_MS, 5 * DAY_MS))
    (event,) = events_of(server, "lot")
    segments = [c for c in clips_of(server, "lot") if c["state"] == "complete"]
    busy = {c["id"] for c in segments if c["start_ms"] <= event["end_ms"] and c["end_ms"] >= event["start_ms"]}
    quiet = {c["id"] for c in segments} - busy
    assert busy and quiet, segments

    # Continuous footage is kept 2 days, event footage 10: the quiet segments go, the busy stay.
    camera["enabled"] = False  # nothing new recorded: only the aged footage is judged
    camera["retention"] = {"continuous_days": 2, "events_days": 10}
    server.write_config({"lot": camera})
    server.start()
    wait_until(lambda: not (quiet & {c["id"] for c in clips_of(server, "lot")}), 15,
               "the quiet segments deleted", details=server.log_tail)
    (listed,) = [c for c in api(server, "/api/v1/cameras") if c["id"] == "lot"]
    assert listed["retention"] == {"continuous_days": 2, "events_days": 10}, listed
    left = {c["id"] for c in clips_of(server, "lot")}
    assert left == busy, (left, busy)
    assert [e["id"] for e in events_of(server, "lot")] == [event["id"]]
    for gone in segments:
        if gone["id"] in quiet:
            assert not (server.data_dir / gone["file"]).exists(), gone["file"]

    # Events kept 3 days now (hot reload): the footage of the event goes, and the event with it.
    camera["retention"] = {"continuous_days": 2, "events_days": 3}
    server.write_config({"lot": camera})
    wait_until(lambda: not clips_of(server, "lot") and not events_of(server, "lot"), 15,
               "the event's footage and the event deleted", details=server.log_tail)
    # The JPEGs go just after the rows' transaction commits.
    wait_until(lambda: not list((server.data_dir / "events").rglob("*.jpg")), 5,
               "the event's thumbnail deleted",
               details=lambda: list((server.data_dir / "events").rglob("*.jpg")))
    server.stop()
    check_storage_clean(server)


@pytest.mark.xdist_group("events-crash")
def test_an_event_open_at_kill9_ends_where_its_footage_ends(testcam, vms):
    cam = testcam("gate", motion_duration=8, **CAM)
    camera = camera_config(cam.url, name="Gate")
    camera["recording"].update(mode="continuous", segment="4s")
    server = vms({"gate": camera})
    server.start()
    wait_connected_and_warm(server, "gate", 1.0)
    onset, _ = cam.trigger_motion()
    wait_until(lambda: events_of(server, "gate"), 5, "an open event", details=server.log_tail)
    sleep_until(onset + 4)
    assert events_of(server, "gate")[0]["end_ms"] is None, "still moving: the event is open"
    server.kill9()
    killed_at = time.time()
    camera["enabled"] = False  # nothing recorded after the restart: only the repair is judged
    server.write_config({"gate": camera})
    server.start()
    (event,) = events_of(server, "gate")
    segments = clips_of(server, "gate")
    assert all(s["state"] == "complete" for s in segments), segments
    assert event["end_ms"] == max(s["end_ms"] for s in segments), (event, segments)
    # At most the last second (the fragment being written) is lost to kill -9.
    assert killed_at - 1.5 <= event["end_ms"] / 1000 <= killed_at + 0.5, (event, killed_at)
    assert event["start_ms"] <= event["peak_ms"] <= event["end_ms"], event
    server.stop()
    check_storage_clean(server)
