"""Tests of the test tooling itself (no vms needed): the RTSP test camera and the demo video.
If these fail, the end-to-end results mean nothing."""

from __future__ import annotations

import subprocess
import time

import pytest

from vmstest import REPO_ROOT, count_frames, decode_errors, ffprobe, rate


def grab_gray(url, seconds, fps, size=(160, 90)):
    """Decode `seconds` of an RTSP stream to small gray frames (list of bytes), with the wall-clock
    time at which the grab started."""
    w, h = size
    began = time.time()
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-t", str(seconds),
         "-vf", f"scale={w}:{h},format=gray", "-f", "rawvideo", "-"],
        capture_output=True, timeout=seconds + 20,
    )
    assert out.returncode == 0, out.stderr.decode()
    n = w * h
    return began, [out.stdout[i:i + n] for i in range(0, len(out.stdout), n)]


def changed(a, b, threshold=20):
    return sum(1 for x, y in zip(a, b) if abs(x - y) > threshold)


def test_testcam_stream_and_schedule(workdir, testcam):
    cam = testcam("probe", width=320, height=180, fps=10, gop=10, motion="3:2")
    # First client: the shared pipeline starts for it, so its first frame is a keyframe and the
    # grab's start time is a fair clock for its frames.
    began, frames = grab_gray(cam.url, 6, 10)
    # The pipeline's first frames can come out of GStreamer's compositor before every source has
    # delivered (a black frame on a busy machine): the schedule is judged after the first 1.5 s.
    settle = 15
    began, frames = began + settle / 10, frames[settle:]
    moving = [i for i in range(1, len(frames)) if changed(frames[i - 1], frames[i])]
    assert moving, "no motion seen in the window"
    first, last = began + moving[0] / 10, began + moving[-1] / 10
    assert abs(first - cam.at(3)) < 1.0 and abs(last - cam.at(5)) < 1.0, (
        f"motion seen at t={first - cam.origin:.2f}..{last - cam.origin:.2f}, scheduled 3..5")
    assert 15 <= moving[-1] - moving[0] <= 21, f"the crossing lasted {len(moving)} frames, want ~20"
    still = [i for i in range(1, len(frames)) if i not in moving]
    # x264 leaves a faint residue where the box passed until the next keyframe (a few pixels, a few
    # levels); no still frame may differ by more than that.
    jitter = {i: changed(frames[i - 1], frames[i], threshold=12) for i in still}
    assert not any(jitter.values()), (
        f"the picture is not perfectly still outside the window (frame: changed pixels) "
        f"{ {i: n for i, n in jitter.items() if n} }; moving frames {moving}")
    assert changed(frames[0], frames[-1], threshold=0) == 0, "the scene differs after the crossing"

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-print_format", "json",
         "-show_entries", "stream=codec_name,width,height,r_frame_rate", cam.url],
        capture_output=True, text=True, timeout=20,
    )
    assert out.returncode == 0, out.stderr
    assert '"h264"' in out.stdout and '"width": 320' in out.stdout and '"height": 180' in out.stdout
    assert '"10/1"' in out.stdout, out.stdout


def test_testcam_auth_restart_and_trigger(workdir, testcam):
    cam = testcam("locked", width=320, height=180, fps=10, gop=10, user="u", password="p",
                  motion_duration=1)

    def probe(url):
        return subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", url],
                              capture_output=True, text=True, timeout=20)

    denied = probe(cam.url_with("u", "wrong"))
    assert denied.returncode != 0 and "401" in denied.stderr, denied.stderr
    assert probe(cam.url_with("u", "p")).returncode == 0

    port, origin = cam.port, cam.origin
    cam.restart()
    assert (cam.port, cam.origin) == (port, origin), "restart must keep the port and the schedule"
    assert probe(cam.url_with("u", "p")).returncode == 0

    onset, duration = cam.trigger_motion()
    assert abs(onset - time.time()) < 1.0 and duration == 1


@pytest.mark.parametrize("audio,codec", [("aac", "aac"), ("pcma", "pcm_alaw")])
def test_testcam_audio(workdir, testcam, audio, codec):
    cam = testcam("sound", width=320, height=180, fps=10, audio=audio)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name",
         "-of", "csv=p=0", cam.url],
        capture_output=True, text=True, timeout=20,
    )
    assert sorted(out.stdout.split()) == sorted(["h264", codec]), out.stdout + out.stderr


def test_make_demo_video(workdir):
    target = workdir / "sub" / "demo.mp4"
    script = REPO_ROOT / "scripts" / "make-demo-video"
    subprocess.run([str(script), str(target)], check=True, timeout=120)
    info = ffprobe(target)
    video = info["video"]
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 640, 360)
    assert rate(video["r_frame_rate"]) == 15 and abs(info["duration"] - 60) < 0.1
    assert count_frames(target) == 900
    assert decode_errors(target) == ""
    keyframes = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
         "-show_entries", "frame=pts_time", "-of", "csv=p=0", str(target)],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert [round(float(t.strip(","))) for t in keyframes] == list(range(0, 60, 2)), keyframes
    # Second run: the file exists, nothing is rewritten.
    mtime = target.stat().st_mtime_ns
    subprocess.run([str(script), str(target)], check=True, timeout=30)
    assert target.stat().st_mtime_ns == mtime
    assert [p.name for p in target.parent.iterdir()] == ["demo.mp4"], "temporary file left behind"
