"""Continuous recording (issue 14, `recording.mode: continuous`): a real RTSP camera recorded for two
minutes in 10 s segments, with no motion at all (`make test`), and for ten minutes in 1-minute
segments (`make soak`, kept out of `make test`). What a user relies on: every second is in a file, one
file after another with no gap and no frame twice, each file plays.

Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_continuous.py -q [-m soak]
"""

from __future__ import annotations

import time

import pytest

import vmstest
from vmstest import camera_config, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("continuous")]

FPS = 10


def test_two_minutes_in_ten_second_segments_with_no_gap_and_no_repeated_frame(workdir, testcam, vms):
    record_and_check(testcam, vms, span_s=120, segment_s=10)


@pytest.mark.soak
def test_ten_minutes_in_one_minute_segments_with_no_gap_and_no_repeated_frame(workdir, testcam, vms):
    record_and_check(testcam, vms, span_s=600, segment_s=60)


def record_and_check(testcam, vms, *, span_s, segment_s):
    cam = testcam("yard", fps=FPS, gop=FPS, width=320, height=180)  # a still picture: no motion
    camera = camera_config(cam.url, name="Yard", detector="mog2")
    camera["recording"].update(mode="continuous", segment=f"{segment_s}s")
    server = vms({"yard": camera})
    server.start()
    wait_until(lambda: (server.camera_status("yard") or {}).get("state") == "connected", 20,
               "camera yard connected", details=server.log_tail)
    connected_at = time.time()

    def complete():
        return [c for c in server.clips("yard") if c["state"] == "complete"]

    def spanned():
        rows = complete()
        return rows and (rows[-1]["end_ms"] - rows[0]["start_ms"]) / 1000 >= span_s

    wait_until(spanned, span_s + 40, f"{span_s} s of complete segments", interval=1, details=server.log_tail)
    rows = complete()
    assert rows[0]["start_ms"] / 1000 - connected_at < 3, "recording began with the connection, not with motion"
    assert (server.camera_status("yard") or {}).get("recording"), "the camera shows it is recording"

    for earlier, later in zip(rows, rows[1:]):
        assert later["start_ms"] == earlier["end_ms"], (
            f"gap or overlap between segments: {earlier['end_ms']} -> {later['start_ms']}")
    for row in rows:
        path = server.data_dir / row["file"]
        assert vmstest.decode_errors(path) == "", f"{row['file']} does not decode cleanly"
    # The first segment's row starts when its first packet arrived: the frames of a new RTSP
    # session come in a burst, so it may be a little shorter than its file. From the second on,
    # every row is its file, to the frame.
    frames_total = 0
    steady = rows[1:]
    assert len(steady) >= span_s // (segment_s + 1) - 1, steady
    for row in steady:
        path = server.data_dir / row["file"]
        frames = vmstest.count_frames(path)
        info = vmstest.ffprobe(path)
        # Cut at the first keyframe past 10 s, with a keyframe every second.
        assert segment_s - 0.05 <= row["duration_ms"] / 1000 <= segment_s + 1.05, row
        # The row is wall-clock time, the file the camera's frames: a late burst moves them one frame.
        assert abs(frames - row["duration_ms"] / 1000 * FPS) <= 1, (row, frames)
        assert info["duration"] == pytest.approx(row["duration_ms"] / 1000, abs=0.15), (row, info)
        frames_total += frames
    span_s = (steady[-1]["end_ms"] - steady[0]["start_ms"]) / 1000
    # Every frame the camera sent over the span is in exactly one file: the summed durations of the
    # packets match the wall-clock time they cover.
    assert frames_total == pytest.approx(span_s * FPS, abs=1), (frames_total, span_s)
    print(f"\n{len(steady)} segments after the first, {span_s:.1f} s, {frames_total} frames ({frames_total / span_s:.2f} fps)")
