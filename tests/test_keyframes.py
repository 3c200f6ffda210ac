"""End-to-end test of keyframe-only motion detection (issue 15, `detector.decode: keyframes`) against
a real GStreamer RTSP camera (tests/tools/testcam.py) and the vms binary.

With decode: keyframes the detector sees one picture per GOP, so motion is noticed up to one GOP
late; the pre-roll (GOP + 1.5 s here) must still put the start of every clip before its motion.
Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_keyframes.py -v
"""

from __future__ import annotations

import time

import pytest

from vmstest import HealthWatcher, camera_config, sleep_until, wait_connected_and_warm, wait_until

FPS = 10
WARMUP = 1.0
POST_ROLL = 2.0
WINDOWS = [(18.0, 3.0), (32.0, 2.0)]  # (start, length) seconds after the camera's origin
DETECTORS = ("mog2", "framediff")


def describe(clip, origin):
    s, e = clip["start_ms"] / 1000 - origin, (clip["end_ms"] or 0) / 1000 - origin
    return f"clip {clip['id']} {clip['state']} t={s:.2f}..{e:.2f}"


@pytest.mark.slow
@pytest.mark.xdist_group("keyframes")
@pytest.mark.parametrize("gop_seconds", [1, 2])
def test_keyframe_only_detection_records_every_window_with_its_pre_roll(
        workdir, testcam, vms, gop_seconds):
    pre_roll = gop_seconds + 1.5
    cam = testcam("kf", motion=",".join(f"{s}:{d}" for s, d in WINDOWS), fps=FPS,
                  gop=FPS * gop_seconds)
    cameras = {}
    for detector in DETECTORS:
        config = camera_config(cam.url, detector=detector, fps=5, warmup=f"{WARMUP:g}s",
                               pre_roll=f"{pre_roll:g}s", post_roll=f"{POST_ROLL:g}s",
                               min_duration="3s")
        config["detector"]["decode"] = "keyframes"
        cameras[f"kf-{detector}"] = config
    server = vms(cameras)
    server.start()
    with HealthWatcher(server, interval=0.1) as watch:
        for cid in cameras:
            wait_connected_and_warm(server, cid, WARMUP + gop_seconds, timeout=30)
        assert time.time() < cam.at(WINDOWS[0][0] - pre_roll - gop_seconds), (
            "vms took too long to connect: the test schedule cannot be checked")
        # Nobody watches and nothing moves: keyframes only, and the GOP is measured.
        for cid in cameras:
            health = wait_until(
                lambda: ((server.health(quiet=True) or {}).get("cameras") or {}).get(cid, {})
                .get("detect_gop_seconds"), 10, f"{cid}: measured GOP in the health")
            assert health == pytest.approx(gop_seconds, abs=0.15)
            status = server.health()["cameras"][cid]
            assert status["detect_decode"] == "keyframes", status
            assert status["detect_decoding_now"] == "keyframes", status
        sleep_until(cam.at(WINDOWS[0][0]))
        assert server.clips() == [], f"clip recorded from a still scene: {server.clips()}"
        last_start, last_length = WINDOWS[-1]
        sleep_until(cam.at(last_start + last_length) + POST_ROLL + gop_seconds + 4)
        # Each onset noticed within one GOP + 0.5 s.
        for cid in cameras:
            for start, length in WINDOWS:
                onset = cam.at(start)
                seen = watch.seen(cid, "motion", since=onset - 0.5, until=onset + length + 2)
                assert seen, f"{cid}: no motion reported for the window at t={start}"
                assert seen[0] >= onset, f"{cid}: motion reported {onset - seen[0]:.2f} s early"
                assert seen[0] - onset <= gop_seconds + 0.5, (
                    f"{cid}: onset at t={start} noticed {seen[0] - onset:.2f} s late "
                    f"(GOP {gop_seconds} s)")
    server.stop()

    for cid in cameras:
        clips = server.clips(cid)
        summary = [describe(c, cam.origin) for c in clips]
        print(cid, summary)
        assert len(clips) == len(WINDOWS), f"{cid}: want one clip per motion window: {summary}"
        for clip, (start, length) in zip(clips, WINDOWS):
            assert clip["state"] == "complete", summary
            onset = cam.at(start)
            clip_start = clip["start_ms"] / 1000
            # Before the motion, by about the pre-roll: at most a GOP of dating and a GOP of
            # keyframe alignment earlier.
            assert clip_start <= onset - 0.5, (
                f"{cid}: {describe(clip, cam.origin)} starts after (or too close to) the motion "
                f"at t={start}")
            assert clip_start >= onset - pre_roll - 2 * gop_seconds - 0.5, (
                f"{cid}: {describe(clip, cam.origin)} starts too long before t={start}")
            assert clip["end_ms"] / 1000 >= cam.at(start + length), (
                f"{cid}: {describe(clip, cam.origin)} ends before the motion does")
