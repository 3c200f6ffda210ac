"""Export of a time range as one MP4 (issue 14, "Export"): a real RTSP camera recorded continuously in
10 s segments, exported through the API and from the web UI.

What a user relies on: the export of 70 s spanning 8 segments lasts 70 s (one GOP either way at
most), starts at the moment asked for (the camera burns its wall clock into each frame: the first
frame shown carries the requested time), and plays (every frame decodes); refusals say what to
send or what exists; a deleted export leaves no file; a full disk fails the export with a clear
message and no partial file; in the browser, "Export range..." on the timeline, progress on the
Exports page up to done, and a download that is an MP4.

Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_export.py -q
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timezone

import pytest

import vmstest
from test_api import ADMIN, call
from vmstest import TEST_PASSWORD, TEST_USER, camera_config, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("export")]

FPS = 10
GOP_S = 1
SEGMENT_S = 10
WIDTH, HEIGHT = 320, 180
DISK_FULL = "the disk is full: free space or lower retention, then export again"


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def continuous_camera(testcam, vms, name):
    """A camera with the wall clock burnt into its frames, recorded in 10 s segments."""
    cam = testcam(name, fps=FPS, gop=FPS * GOP_S, width=WIDTH, height=HEIGHT, clock="strip")
    camera = camera_config(cam.url, name=name.title(), detector="none")
    camera["recording"].update(mode="continuous", segment=f"{SEGMENT_S}s")
    server = vms({name: camera})
    server.start()
    wait_until(lambda: (server.camera_status(name) or {}).get("state") == "connected", 20,
               f"camera {name} connected", details=server.log_tail)
    return cam, server


def complete_until(server, camera_id, end_ms, timeout):
    """Complete segments, once they cover the wall time up to `end_ms`."""
    def covered():
        rows = [c for c in server.clips(camera_id) if c["state"] == "complete"]
        return rows if rows and rows[-1]["end_ms"] >= end_ms else None
    return wait_until(covered, timeout, f"segments up to {iso(end_ms)}", interval=0.5, details=server.log_tail)


def post_export(server, camera, start, end):
    return call(server, "POST", "/api/v1/exports", {**ADMIN, "Origin": server.base_url},
                {"camera": camera, "start": start, "end": end})


def export_state(server, export_id):
    answer = call(server, "GET", f"/api/v1/exports/{export_id}", ADMIN)
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


def wait_ended(server, export_id, timeout=60):
    """Follows the export on the events WebSocket (the messages the UI gets) until it ends."""
    import base64
    token = base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()
    socket = vmstest.WebSocket(server.port, "/api/v1/events",
                               {"Authorization": f"Basic {token}", "Origin": server.base_url})
    seen = []
    try:
        # An export that ended before the socket opened sends nothing more: ask once after opening.
        now = export_state(server, export_id)
        if now["state"] != "running":
            return now, seen
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                data = socket.message(timeout=max(0.1, deadline - time.time()))
            except (TimeoutError, OSError):
                continue
            if data.get("type") == "export" and data["export"]["id"] == export_id:
                seen.append(data["export"])
                if data["export"]["state"] != "running":
                    return data["export"], seen
        raise AssertionError(f"export {export_id} still running after {timeout} s: {seen[-3:]}")
    finally:
        socket.close()


def ffprobe_json(path, *args):
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", *args, str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def first_frame_clock_ms(path):
    """The wall clock (ms modulo 2^CLOCK_BITS) the test camera burnt into the first frame a player
    shows (ffmpeg applies the edit list), read from the cells of its top row."""
    bits, per_width = _clock_strip_layout()
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    cell = max(4, WIDTH // per_width)
    row = out.stdout[(cell // 2) * WIDTH:(cell // 2 + 1) * WIDTH]
    cells = [1 if row[i * cell + cell // 2] > 128 else 0 for i in range(2 + bits)]
    assert cells[:2] == [1, 0], f"no clock strip in the first frame: {cells}"
    value = 0
    for bit in cells[2:]:
        value = value * 2 + bit
    return value, 1 << bits


def _clock_strip_layout():
    import importlib.util
    spec = importlib.util.spec_from_file_location("testcam", vmstest.TESTCAM)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CLOCK_BITS, module.CLOCK_CELLS_PER_WIDTH


def test_seventy_seconds_over_eight_segments_plays_from_the_asked_time_and_bad_input_is_refused(
        workdir, testcam, vms):
    _, server = continuous_camera(testcam, vms, "door")
    # Bad input needs no footage: answered at once.
    bad = post_export(server, "door", "2026-12-07 14:02", "2026-12-07T14:09:00Z")
    assert bad.status == 400 and "ISO 8601" in json.loads(bad.body)["error"], bad.body
    backwards = post_export(server, "door", "2026-12-07T14:09:00Z", "2026-12-07T14:02:00Z")
    assert backwards.status == 400 and "after the start" in json.loads(backwards.body)["error"]
    long = post_export(server, "door", "2026-12-07T00:00:00Z", "2026-12-08T00:00:01Z")
    assert long.status == 400 and "24 hours" in json.loads(long.body)["error"], long.body
    unknown = post_export(server, "garage", "2026-12-07T14:02:00Z", "2026-12-07T14:09:00Z")
    assert unknown.status == 404, unknown.body

    # The range starts 3.3 s into the second segment (the first one starts with the connection's
    # burst) and lasts 70 s: it touches 8 segments.
    first = wait_until(lambda: [c for c in server.clips("door") if c["state"] == "complete"][1:] or None,
                       3 * SEGMENT_S, "the second segment", interval=0.5, details=server.log_tail)[0]
    start_ms = first["start_ms"] + 3_300
    end_ms = start_ms + 70_000
    rows = complete_until(server, "door", end_ms, 70 + 3 * SEGMENT_S)
    touched = [r for r in rows if r["start_ms"] < end_ms and r["end_ms"] > start_ms]
    assert len(touched) == 8, touched

    # Before the footage: 422 saying where it starts.
    early = post_export(server, "door", iso(rows[0]["start_ms"] - 600_000), iso(rows[0]["start_ms"] - 60_000))
    assert early.status == 422, early.body
    assert "the footage after starts at" in json.loads(early.body)["error"], early.body
    assert json.loads(early.body)["start_after_ms"] == rows[0]["start_ms"], early.body
    assert "end_before_ms" not in json.loads(early.body), early.body

    created = post_export(server, "door", iso(start_ms), iso(end_ms))
    assert created.status == 202, created.body
    export_id = json.loads(created.body)["id"]
    final, seen = wait_ended(server, export_id)
    assert final["state"] == "done", final
    assert final["start"] == iso(start_ms) and final["end_ms"] == end_ms, final
    progress = [m["progress"] for m in seen]
    assert progress == sorted(progress), f"progress went back: {progress}"

    path = server.data_dir / "exports" / f"{export_id}.mp4"
    assert path.stat().st_size == final["size_bytes"]
    info = vmstest.ffprobe(path)
    # 70 s: the edit list starts playback at the asked time, the last frame is the one before the end.
    assert info["duration"] == pytest.approx(70, abs=GOP_S), info
    assert vmstest.decode_errors(path) == "", "the export does not decode cleanly"
    shown = ffprobe_json(path, "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames")
    frames = int(shown["streams"][0]["nb_read_frames"])
    assert frames == pytest.approx(70 * FPS, abs=FPS * GOP_S), frames
    # The first frame shown is the one the index places at the asked start. The index dates frames
    # by their arrival (the first segment's first packet, then the camera's timestamps), so a frame
    # drawn at T is indexed at T + latency: measured on the segment the range starts in.
    def behind(wall_ms, file):
        burnt, modulo = first_frame_clock_ms(file)
        late = (wall_ms - burnt) % modulo
        return late - modulo if late > modulo // 2 else late
    latency = behind(touched[0]["start_ms"], server.data_dir / touched[0]["file"])
    late = behind(start_ms, path)
    print(f"\nexport: {info['duration']:.3f} s, {frames} frames; first frame drawn {late} ms before the "
          f"asked start, the index {latency} ms behind the camera's clock")
    assert abs(late - latency) <= 1000 // FPS + 20, (late, latency)

    download = call(server, "GET", f"/api/v1/exports/{export_id}/download", ADMIN, timeout=30)
    assert download.status == 200
    assert download.body[4:8] == b"ftyp" and len(download.body) == final["size_bytes"]
    assert '_to_' in download.headers["content-disposition"], download.headers

    deleted = call(server, "DELETE", f"/api/v1/exports/{export_id}", {**ADMIN, "Origin": server.base_url})
    assert deleted.status == 204
    assert not path.exists()
    assert call(server, "GET", f"/api/v1/exports/{export_id}", ADMIN).status == 404

    # A full disk: the exports folder on a 64 kB disk. The export fails, saying so, with no file left.
    exports = server.data_dir / "exports"
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(exports)],
                           capture_output=True, text=True)
    if mount.returncode != 0 and os.geteuid() != 0:
        mount = subprocess.run(["sudo", "-n", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(exports)],
                               capture_output=True, text=True)
    assert mount.returncode == 0, f"cannot mount a small disk on {exports}: {mount.stderr} (run as root)"
    try:
        created = post_export(server, "door", iso(start_ms), iso(end_ms))
        assert created.status == 202, created.body
        full_id = json.loads(created.body)["id"]
        final, _ = wait_ended(server, full_id)
        assert final["state"] == "failed" and final["error"] == DISK_FULL, final
        assert list(exports.iterdir()) == [], "a partial file was left"
        assert call(server, "GET", f"/api/v1/exports/{full_id}/download", ADMIN).status == 409
    finally:
        subprocess.run(["umount", str(exports)] if os.geteuid() == 0 else ["sudo", "-n", "umount", str(exports)],
                       capture_output=True)


def test_exports_page_flow_from_the_timeline_to_a_download(workdir, testcam, vms):
    try:
        import browser_support as bs
    except ImportError as error:  # pragma: no cover
        pytest.skip(f"selenium is not importable ({error})")
    _, server = continuous_camera(testcam, vms, "yard")
    rows = complete_until(server, "yard", 0, 3 * SEGMENT_S)
    clip = rows[0]
    driver = bs.make_driver()
    try:
        bs.sign_in(driver, server.base_url, TEST_USER, TEST_PASSWORD)
        day = datetime.fromtimestamp(clip["start_ms"] / 1000).strftime("%Y-%m-%d")
        driver.get(f"{server.base_url}/timeline.html?camera=yard&date={day}&clip={clip['id']}")
        bs.click(driver, bs.visible(driver, "[data-role=export-range]"))
        bs.visible(driver, "dialog[open] [data-role=export-start]")
        # Prefilled with the clip being played; first a refused range (end before start), then the clip.
        start_value = driver.execute_script("return document.querySelector('[data-role=export-start]').value")
        end_value = driver.execute_script("return document.querySelector('[data-role=export-end]').value")
        assert start_value and end_value and start_value < end_value, (start_value, end_value)
        driver.execute_script(
            "document.querySelector('[data-role=export-end]').value = arguments[0];", start_value)
        bs.click(driver, bs.one(driver, "[data-role=export-submit]"))
        refusal = bs.visible(driver, "dialog[open] [data-role=export-error]")
        bs.wait_for(driver, lambda d: "after the start" in refusal.text, 10, "the server's refusal shown")
        driver.execute_script(
            "document.querySelector('[data-role=export-end]').value = arguments[0];", end_value)
        bs.click(driver, bs.one(driver, "[data-role=export-submit]"))
        link = bs.visible(driver, "[data-role=export-toast] [data-role=exports-link]")
        bs.click(driver, link)
        bs.wait_for(driver, lambda d: "/exports.html" in d.current_url, 10, "the Exports page")
        row = bs.visible(driver, "article.export-row")
        bs.wait_for(driver, lambda d: row.get_attribute("data-state") == "done", 60, "the export done")
        progress = driver.execute_script("return document.querySelector('[data-role=export-progress]').value")
        assert progress == 1, progress
        href = bs.visible(driver, "[data-role=export-download]").get_attribute("href")
        fetched = driver.execute_async_script("""
            const [url, done] = arguments;
            fetch(url).then(async (r) => {
              const bytes = new Uint8Array(await r.arrayBuffer());
              done({status: r.status, size: bytes.length, box: String.fromCharCode(...bytes.slice(4, 8)),
                    disposition: r.headers.get('content-disposition')});
            }).catch((e) => done({error: String(e)}));
        """, href)
        assert fetched.get("status") == 200 and fetched.get("box") == "ftyp", fetched
        assert fetched["size"] > 10_000 and "Yard_" in fetched["disposition"], fetched
        # And Chromium plays it, for the range's length (to the second, as the dialog sends it).
        driver.set_script_timeout(30)
        played = driver.execute_async_script("""
            const [url, done] = arguments;
            const video = document.createElement('video');
            video.muted = true;
            video.src = url;
            document.body.append(video);
            video.addEventListener('error', () => done({error: video.error && video.error.code}));
            video.play().catch(() => {});
            const started = performance.now();
            const check = () => {
              if (video.currentTime > 1.5) done({duration: video.duration, time: video.currentTime});
              else if (performance.now() - started > 20000) done({stuck: video.currentTime, state: video.readyState});
              else setTimeout(check, 100);
            };
            check();
        """, href)
        asked = (datetime.fromisoformat(end_value) - datetime.fromisoformat(start_value)).total_seconds()
        print(f"\nChromium played the export: {played}, asked {asked} s")
        assert "duration" in played, played
        assert played["duration"] == pytest.approx(asked, abs=GOP_S + 0.1), (played, asked)
        bs.screenshot(driver, "exports-page", "desktop")
        bs.click(driver, bs.visible(driver, "[data-role=export-delete]"))
        bs.confirm_dialog(driver)
        bs.wait_for(driver, lambda d: not bs.css(d, "article.export-row"), 10, "the row gone")
        assert not list((server.data_dir / "exports").iterdir())
        # The refused range (400) is on purpose; nothing else may fail.
        errors = [e for e in bs.console_errors(driver) if "status of 400" not in e]
        assert errors == [], errors
    finally:
        driver.quit()
