"""How fast vms notices camera faults, and how fast it comes back: measured end to end, as a user sees
it in the camera status (`/api/v1/health`, the same state/error the UI shows), with real cameras
(tests/tools/testcam.py) and a fault-injecting TCP proxy (tests/tools/faultproxy.py).

Targets (docs/configuration.md: "a source that sends nothing for 8 s counts as stalled"):
- a stalled stream or a frozen camera process is reported within 8 s (asserted with 1 s of slack);
- a camera that comes back after a long outage is connected again within 5 s.

Every measurement is printed (`-s`) as `MEASURED name: N.NN s` before it is asserted, so a failing
run still gives the number. Each fault test checks its own tooling first (the proxy really let no
byte through, the process really was stopped, the camera really served again), so a failure is
vms's. A good camera runs beside the faulty one and must stay connected throughout.
Run: VMS_BIN=... /usr/bin/python3 -m pytest tests/test_faults.py -v -s
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from test_engine import FAST_CAM, WARMUP, settings
from vmstest import HealthWatcher, camera_config, read_clips, wait_connected_and_warm, wait_until

STALL_TARGET = 8.0  # seconds: the documented stall timeout
STALL_SLACK = 1.0
RECONNECT_TARGET = 5.0
STALL_ERROR = re.compile(r"stall|no video|sends nothing|frozen|no data|no answer|not respond", re.I)
SMALL_CAM = dict(width=320, height=180, **FAST_CAM)  # the good camera beside the faulty one: cheap


def measured(name, value, unit="s"):
    print(f"\nMEASURED {name}: {value:.2f} {unit}", flush=True)
    return value


def first_sample(watch, camera_id, since, predicate):
    """(epoch, status) of the first sample of `camera_id` taken at or after `since` that satisfies
    `predicate`, else None."""
    for when, status in list(watch.history.get(camera_id, [])):
        if when >= since and predicate(status):
            return when, status
    return None


def is_faulted(status):
    return status.get("state") != "connected" and bool(status.get("error"))


def is_connected(status):
    return status.get("state") == "connected"


def wait_sample(watch, camera_id, since, predicate, timeout, what, server):
    return wait_until(lambda: first_sample(watch, camera_id, since, predicate), timeout, what,
                      interval=0.05,
                      details=lambda: f"states since: {watch.states(camera_id, since=since)}; "
                                      f"now {server.camera_status(camera_id)}\n{server.log_tail()}")


def assert_stayed_connected(watch, camera_id, since):
    states = watch.states(camera_id, since=since)
    assert states == ["connected"], f"the good camera {camera_id} did not stay connected: {states}"


GOOD_EVERY, GOOD_DURATION = 6.0, 2.0  # the good camera's motion schedule: a crossing every 6 s
GOOD_CAM = dict(SMALL_CAM, motion_every=GOOD_EVERY, motion_duration=GOOD_DURATION)


def assert_every_window_recorded(server, good, camera_id, since, until):
    """Each motion window of the good camera between `since` and `until` (epoch s) lies inside one
    of its clips: the fault beside it cost it nothing."""
    from vmstest import read_clips
    clips = [c for c in read_clips(server.data_dir, camera_id) if c["end_ms"]]
    k = max(0, int((since - good.origin) // GOOD_EVERY))
    checked = 0
    while good.at(k * GOOD_EVERY + GOOD_DURATION) <= until:
        start, end = good.at(k * GOOD_EVERY), good.at(k * GOOD_EVERY + GOOD_DURATION)
        if start >= since:
            assert any(c["start_ms"] / 1000 <= start + 0.5 and c["end_ms"] / 1000 >= end - 0.5 for c in clips), (
                f"the good camera's motion {start:.1f}-{end:.1f} is in no clip: "
                f"{[(c['start_ms'] / 1000, c['end_ms'] / 1000) for c in clips]}")
            checked += 1
        k += 1
    assert checked >= 1, "no motion window of the good camera to check"
    return checked


def assert_stall_verdict(status, detection, recovery, after):
    """A stall named as one, noticed within 8 +- 1 s, and the camera back within 5 s of its return."""
    assert STALL_ERROR.search(status["error"]), f"the error does not read like a stall: {status}"
    assert detection <= STALL_TARGET + STALL_SLACK, (
        f"stall reported {detection:.2f} s {after} (target {STALL_TARGET:g} s): {status}")
    assert recovery <= RECONNECT_TARGET, (
        f"{recovery:.2f} s to reconnect once the camera answered again (target {RECONNECT_TARGET:g} s)")


def process_state(pid):
    """The one-letter state of a process from /proc (T: stopped)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2]


def events(path: Path, kind: str, since: float):
    """Epoch times of the testcam --events-file lines of `kind` (CLIENT, SESSION, CLOSED) after `since`."""
    if not path.exists():
        return []
    times = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == kind and float(parts[1]) >= since:
            times.append(float(parts[1]))
    return times


# ---------------------------------------------------------------------------------------------
# the tooling itself


def grab(url, seconds, copy=False):
    """Read `seconds` of an RTSP stream over TCP, decoded (or stream-copied: packets); returns
    (frames or packets, ffmpeg's errors, exit status)."""
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-t", str(seconds),
         *(["-c", "copy"] if copy else []), "-f", "framemd5", "-"],
        capture_output=True, text=True, timeout=seconds + 25)
    frames = sum(1 for line in out.stdout.splitlines() if line and not line.startswith("#"))
    return frames, out.stderr.strip(), out.returncode


def test_faultproxy_modes(workdir, testcam, fault_proxy):
    """pass forwards a clean stream; corrupt keeps the framing (frames still arrive) but breaks the
    decoding; stall lets no byte through while the camera keeps sending, and holds a new connection
    until the stall ends; close refuses connections. If this fails, test_faults' numbers mean nothing."""
    cam = testcam("proxied", **SMALL_CAM)
    proxy = fault_proxy(cam.url, seed=7)
    url = proxy.url_for(cam.url)
    assert url == cam.url.replace(f":{cam.port}/", f":{proxy.port}/")
    assert proxy.url_for(cam.url_with("u", "p")) == url.replace("rtsp://", "rtsp://u:p@")

    frames, errors, code = grab(url, 2)
    assert code == 0 and errors == "" and frames >= 15, (frames, errors, proxy)
    assert proxy.last_server_byte_at and proxy.frames_corrupted == 0

    proxy.set_mode("corrupt", corrupt_fraction=0.3)
    frames, errors, code = grab(url, 3)
    print(f"corrupt, decoded: {frames} frames, {len(errors.splitlines())} error lines, {proxy}")
    assert proxy.frames_corrupted > 0, proxy
    assert errors, "corrupted payloads decoded cleanly"
    packets, errors, code = grab(url, 3, copy=True)
    print(f"corrupt, copied: {packets} packets, exit {code}, {proxy}")
    # The framing is intact: the proxy's parser never lost it, and the RTSP session carried on.
    assert proxy.bytes_unframed == 0, proxy
    assert packets >= 10, f"only {packets} packets came through ({errors[:500]})"

    proxy.set_mode("pass")
    reader = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-t", "60",
         "-f", "null", "-"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        before = proxy.frames_seen
        wait_until(lambda: proxy.frames_seen > before + 20, 15, "a reader receiving video")
        proxy.set_mode("stall")
        stalled_at, sent, swallowed = proxy.stalled_at, proxy.bytes_to_client, proxy.bytes_swallowed
        assert stalled_at is not None and time.time() - stalled_at < 1.0, stalled_at
        # A new client during the stall: accepted, unanswered; served when the stall ends.
        late = subprocess.Popen(
            ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name",
             "-of", "csv=p=0", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert proxy.bytes_to_client == sent and proxy.last_server_byte_at == stalled_at, (
            f"bytes reached a client during the stall: {proxy}")
        # 3 s at 10 fps: at least 30 RTP packets of at least 16 bytes each kept coming from the camera
        assert proxy.bytes_swallowed > swallowed + 30 * 16, f"the camera stopped sending, not the proxy: {proxy}"
        assert reader.poll() is None and late.poll() is None, "a client gave up or finished while stalled"
        proxy.set_mode("pass")  # drops the reader's connection (it lost bytes), serves the held one
        out, err = late.communicate(timeout=20)
        assert late.returncode == 0 and "h264" in out, f"the held connection was not served: {err}"
        reader.wait(timeout=10)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()

    proxy.set_mode("close")
    out = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", url],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode != 0 and "refused" in out.stderr.lower(), out.stderr
    proxy.set_mode("pass")
    frames, errors, code = grab(url, 1)
    assert code == 0 and frames >= 5, (frames, errors)
    print(proxy)


# ---------------------------------------------------------------------------------------------
# detection


@pytest.mark.slow
def test_stall_is_reported_within_8_s(workdir, testcam, fault_proxy, vms):
    """The camera's TCP connection stays open but nothing comes any more (a hung camera, a dead
    path that does not reset): the status must leave "connected" with a stall error within 8 s of
    the last byte, and the camera must come back once bytes flow again."""
    good = testcam("good", **GOOD_CAM)
    cam = testcam("stalling", **FAST_CAM)
    proxy = fault_proxy(cam.url)
    server = vms({
        "good": camera_config(good.url, **settings()),
        "stalling": camera_config(proxy.url_for(cam.url), rtsp_transport="tcp", **settings()),
    })
    server.start()
    with HealthWatcher(server, interval=0.1) as watch:
        wait_connected_and_warm(server, "stalling", WARMUP)
        wait_connected_and_warm(server, "good", WARMUP)
        assert proxy.frames_seen > 20, f"the stream does not go through the proxy: {proxy}"

        switched = time.time()
        proxy.set_mode("stall")
        stalled_at, sent, swallowed = proxy.stalled_at, proxy.bytes_to_client, proxy.bytes_swallowed
        assert stalled_at is not None and switched - stalled_at < 1.0, (
            f"no byte in the {switched - stalled_at:.2f} s before the stall: the stream had already stopped")
        noticed = wait_sample(watch, "stalling", switched, is_faulted, 30,
                              "the stalled camera leaving 'connected' with an error", server)
        # The tooling: not one byte reached vms since the stall, while the camera kept sending.
        assert proxy.bytes_to_client == sent and proxy.last_server_byte_at == stalled_at, (
            f"bytes passed the stalled proxy: {proxy}")
        assert proxy.bytes_swallowed > swallowed, f"the camera itself stopped sending: {proxy}"

        detection = measured("stall detection (last byte -> status not connected)", noticed[0] - stalled_at)
        print(f"status: {noticed[1]}")

        resumed = time.time()
        proxy.set_mode("pass")
        back = wait_sample(watch, "stalling", resumed, is_connected, 40,
                           "the camera connected again after the stall ended", server)
        recovery = measured("reconnection after the stall ended", back[0] - resumed)
        print(f"states since the stall: {watch.states('stalling', since=switched)}")
        assert_stayed_connected(watch, "good", switched)
        until = time.time()  # stopping finalises the clips of the windows before it
    server.stop()
    assert_every_window_recorded(server, good, "good", switched, until)

    assert_stall_verdict(noticed[1], detection, recovery, "after the last byte")


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_frozen_camera_process_is_reported_within_8_s(workdir, testcam, vms, transport):
    """The camera process freezes (SIGSTOP): its kernel keeps the TCP connection and accepts new
    ones, but nothing is answered, over RTSP/TCP and RTSP/UDP alike. Reported within 8 s; after
    SIGCONT it is connected again within 5 s."""
    good = testcam("good", **GOOD_CAM)
    cam = testcam("frozen", **FAST_CAM)
    server = vms({
        "good": camera_config(good.url, **settings()),
        "frozen": camera_config(cam.url, rtsp_transport=transport, **settings()),
    })
    server.start()
    pid = cam.proc.pid
    with HealthWatcher(server, interval=0.1) as watch:
        wait_connected_and_warm(server, "frozen", WARMUP)
        wait_connected_and_warm(server, "good", WARMUP)
        stopped = time.time()
        os.kill(pid, signal.SIGSTOP)
        try:
            assert wait_until(lambda: process_state(pid) == "T", 2, "the camera process stopped")
            noticed = wait_sample(watch, "frozen", stopped, is_faulted, 30,
                                  "the frozen camera leaving 'connected' with an error", server)
            assert process_state(pid) == "T", "the camera process woke up during the measurement"
        finally:
            continued = time.time()
            os.kill(pid, signal.SIGCONT)
        detection = measured("SIGSTOP detection (SIGSTOP -> status not connected)", noticed[0] - stopped)
        print(f"status: {noticed[1]}")

        back = wait_sample(watch, "frozen", continued, is_connected, 40,
                           "the camera connected again after SIGCONT", server)
        recovery = measured("reconnection after SIGCONT", back[0] - continued)
        print(f"states since SIGSTOP: {watch.states('frozen', since=stopped)}")
        assert_stayed_connected(watch, "good", stopped)
        until = time.time()
    server.stop()
    assert_every_window_recorded(server, good, "good", stopped, until)

    assert_stall_verdict(noticed[1], detection, recovery, "after SIGSTOP")


@pytest.mark.slow
def test_frozen_http_camera_is_reported_within_8_s(workdir, vms):
    """An HTTP MJPEG camera (the ffmpeg CLI serving one client) freezes mid-stream: reported
    within 8 s like an RTSP camera."""
    from vmstest import mjpeg_camera
    url, source = mjpeg_camera()
    try:
        server = vms({"mj": camera_config(url, **settings(detector="framediff"))})
        server.start()
        with HealthWatcher(server, interval=0.1) as watch:
            wait_until(lambda: (server.camera_status("mj") or {}).get("state") == "connected", 20,
                       "the HTTP camera connected", details=server.log_tail)
            time.sleep(1.0)
            stopped = time.time()
            os.kill(source.pid, signal.SIGSTOP)
            noticed = wait_sample(watch, "mj", stopped, is_faulted, 30,
                                  "the frozen HTTP camera leaving 'connected' with an error", server)
            assert process_state(source.pid) == "T", "the camera process woke up during the measurement"
        detection = measured("HTTP camera freeze detection (SIGSTOP -> status not connected)",
                             noticed[0] - stopped)
        print(f"status: {noticed[1]}")
        server.stop()
    finally:
        os.kill(source.pid, signal.SIGCONT)
        source.kill()
        source.wait()
    assert STALL_ERROR.search(noticed[1]["error"]), f"the error does not read like a stall: {noticed[1]}"
    assert detection <= STALL_TARGET + STALL_SLACK, (
        f"frozen HTTP camera reported {detection:.2f} s after SIGSTOP (target {STALL_TARGET:g} s)")


# ---------------------------------------------------------------------------------------------
# damaged video


DAMAGE_ERROR = re.compile(r"video damaged: (\d+) bad frames in 10 s")
DAMAGE_TARGET = 15.0


@pytest.mark.slow
def test_damaged_video_is_named_on_the_live_pages(workdir, testcam, fault_proxy, vms):
    """A camera that is connected but sends damaged video shows a live picture with the problem
    named along its foot (home tile and full-screen page), and a "Warning" badge; never the
    not-connected cover."""
    import browser_support as bs
    from vmstest import TEST_PASSWORD, TEST_USER
    cam = testcam("damaged", **FAST_CAM)
    proxy = fault_proxy(cam.url, seed=3)
    server = vms({"damaged": camera_config(proxy.url_for(cam.url), rtsp_transport="tcp", **settings())})
    server.start()
    wait_connected_and_warm(server, "damaged", WARMUP)
    proxy.set_mode("corrupt", corrupt_fraction=0.3)
    wait_until(lambda: DAMAGE_ERROR.search((server.camera_status("damaged") or {}).get("error") or ""), 20,
               "a 'video damaged' status", details=server.log_tail)
    driver = bs.make_driver()
    try:
        bs.sign_in(driver, server.base_url, TEST_USER, TEST_PASSWORD)
        for page, name in (("/", "home"), ("/live.html?camera=damaged", "live")):
            driver.get(server.base_url + page)
            strip = bs.visible(driver, "[data-role=live-warning]", timeout=15)
            assert DAMAGE_ERROR.search(strip.text), f"{name}: the strip reads {strip.text!r}"
            covers = [c for c in bs.css(driver, "[data-role=down-cover]") if c.is_displayed()]
            assert not covers, f"{name}: a connected camera is covered as if it were down"
            badge = bs.one(driver, "[data-role=state-badge], #state-badge")
            assert "Warning" in badge.text or "video damaged" in badge.text, f"{name}: badge {badge.text!r}"
            bs.screenshot(driver, f"{name}-video-damaged", "1280x800")
        proxy.set_mode("pass")
        bs.wait_for(driver, lambda d: not [s for s in bs.css(d, "[data-role=live-warning]") if s.is_displayed()],
                    25, "the warning strip gone once the video is clean")
    finally:
        driver.quit()
    server.stop()


@pytest.mark.slow
def test_mjpeg_viewers_keep_their_rate_beside_100_websocket_clients(workdir, testcam, vms):
    """4 cameras, 100 event WebSockets and 20 MJPEG viewers at once, all with Basic credentials of
    a user whose password is hashed at bcrypt's real cost (12, as `vms hash-password` makes): every
    viewer gets its 10 fps cap within 20 %, and every camera still records each of its motion windows."""
    import base64
    import socket
    import threading
    from vmstest import run_vms, to_yaml, vms_config
    user, password = "watcher", "a long enough password"
    hashed = run_vms(["hash-password"], timeout=60, stdin_text=password).stdout.strip()
    assert hashed.startswith("$2") and hashed[4:6] == "12", hashed
    cams = [testcam(f"c{i}", **GOOD_CAM) for i in range(4)]
    server = vms()
    config = vms_config(server.data_dir, server.port,
                        {f"c{i}": camera_config(cam.url, **settings()) for i, cam in enumerate(cams)})
    config["auth"]["users"] = [{"name": user, "password_hash": hashed, "role": "viewer"}]
    server.write_config_text(to_yaml(config) + "\n")
    server.start()
    for i in range(4):
        wait_connected_and_warm(server, f"c{i}", WARMUP)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    stop = threading.Event()
    rates, sockets_open = {}, []

    def request(path, extra=""):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sockets_open.append(sock)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n{extra}\r\n".encode())
        return sock

    def viewer(n):
        sock = request(f"/api/v1/cameras/c{n % 4}/live.mjpeg")
        frames, tail, first = 0, b"", None
        while not stop.is_set():
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            seen = (tail + data).count(b"--frame")
            if seen and first is None:
                first, seen = time.monotonic(), 0  # count from the first frame on
            frames += seen
            tail = data[-8:]
        rates[n] = frames / max(0.1, time.monotonic() - (first or time.monotonic()))

    def events(n):
        sock = request("/api/v1/events", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
        sock.settimeout(1)
        while not stop.is_set():
            try:
                if not sock.recv(65536):
                    break
            except socket.timeout:
                continue
            except OSError:
                break

    started = time.time()
    threads = [threading.Thread(target=events, args=(n,), daemon=True) for n in range(100)]
    threads += [threading.Thread(target=viewer, args=(n,), daemon=True) for n in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(15)
    stop.set()
    for sock in sockets_open:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    for thread in threads:
        thread.join(5)
    until = time.time()
    server.stop()
    slowest = min(rates.values()) if rates else 0
    measured("slowest of 20 MJPEG viewers beside 100 WebSockets", slowest, "fps")
    assert len(rates) == 20 and slowest >= 8.0, f"viewers' frame rates (cap 10): {sorted(rates.values())}"
    for i, cam in enumerate(cams):
        assert_every_window_recorded(server, cam, f"c{i}", started + 2, until)


def metric(server, name, camera_id):
    """The values of a per-camera series in GET /metrics, one per input ([] when absent)."""
    import base64
    import urllib.request
    from vmstest import TEST_PASSWORD, TEST_USER
    request = urllib.request.Request(server.base_url + "/metrics", headers={
        "Authorization": "Basic " + base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=5) as answer:
        text = answer.read().decode()
    return [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith(name + "{") and f'camera="{camera_id}"' in line]


@pytest.mark.slow
def test_damaged_video_is_reported_and_recording_goes_on(workdir, testcam, fault_proxy, vms):
    """Video corrupted inside valid RTP framing (a failing link, an overloaded encoder): the camera
    stays connected and keeps recording, its status says "video damaged: N bad frames in 10 s" within
    15 s, the frames are counted in /metrics, and the message goes once the video is clean again.
    Whatever the damage, the camera's index rows never overlap and none ends after its last packet."""
    cam = testcam("damaged", motion_every=6, motion_duration=3, **FAST_CAM)
    proxy = fault_proxy(cam.url, seed=11)
    server = vms({"damaged": camera_config(proxy.url_for(cam.url), rtsp_transport="tcp", **settings())})
    server.start()
    with HealthWatcher(server, interval=0.1) as watch:
        wait_connected_and_warm(server, "damaged", WARMUP)
        corrupted_at = time.time()
        proxy.set_mode("corrupt", corrupt_fraction=0.3)
        noticed = wait_sample(watch, "damaged", corrupted_at, lambda s: DAMAGE_ERROR.search(s.get("error") or ""),
                              30, "a 'video damaged' status", server)
        detection = measured("damaged video reported (corruption starts -> status)", noticed[0] - corrupted_at)
        print(f"status: {noticed[1]}; proxy: {proxy}")
        assert noticed[1]["state"] == "connected", f"damaged video is not a lost connection: {noticed[1]}"
        assert int(DAMAGE_ERROR.search(noticed[1]["error"]).group(1)) >= 3, noticed[1]
        assert sum(metric(server, "vms_camera_damaged_frames_total", "damaged")) >= 3

        # Recording goes on under damage: a clip is written while the corruption lasts.
        clips_before = len(server.clips("damaged"))
        wait_until(lambda: len(server.clips("damaged")) > clips_before, 20,
                   "a clip recorded while the video is damaged", details=server.log_tail)

        clean_at = time.time()
        proxy.set_mode("pass")
        cleared = wait_sample(watch, "damaged", clean_at, lambda s: not (s.get("error") or ""), 25,
                              "the 'video damaged' status cleared", server)
        measured("damage cleared (clean video -> status)", cleared[0] - clean_at)
        assert cleared[1]["state"] == "connected", cleared[1]
        assert "reconnecting" not in watch.states("damaged", since=corrupted_at), (
            f"the camera was dropped over damaged video: {watch.states('damaged', since=corrupted_at)}")
        last_packet_ms = max(metric(server, "vms_camera_last_packet_timestamp_seconds", "damaged")) * 1000
    server.stop()

    rows = sorted(read_clips(server.data_dir, "damaged"), key=lambda c: c["start_ms"])
    assert rows, "no clip at all"
    for before, after in zip(rows, rows[1:]):
        assert before["end_ms"] <= after["start_ms"], f"rows overlap: {before} / {after}"
    for row in rows:
        assert row["end_ms"] <= max(last_packet_ms, time.time() * 1000) + 500, (
            f"a row ends after the camera's last packet: {row}")
    assert detection <= DAMAGE_TARGET, f"damage reported after {detection:.2f} s (target {DAMAGE_TARGET:g} s)"


@pytest.mark.slow
def test_lost_packets_are_counted(workdir, testcam, fault_proxy, vms):
    """RTP packets lost on the way (the proxy leaves out a tenth of the video packets whole) are
    counted from the gaps in the camera's timestamps: vms_camera_missing_frames_total follows what
    was dropped, and a clean stream counts nothing."""
    cam = testcam("lossy", width=320, height=180, fps=10, gop=30)
    proxy = fault_proxy(cam.url, seed=5)
    server = vms({"lossy": camera_config(proxy.url_for(cam.url), rtsp_transport="tcp",
                                         **settings(detector="framediff"))})
    server.start()
    wait_until(lambda: (server.camera_status("lossy") or {}).get("state") == "connected", 20, "connected",
               details=server.log_tail)
    time.sleep(4)
    assert sum(metric(server, "vms_camera_missing_frames_total", "lossy")) == 0, "frames counted missing on a clean stream"
    proxy.set_mode("drop", drop_fraction=0.1)
    time.sleep(8)
    proxy.set_mode("pass")
    dropped, lost = proxy.frames_dropped, proxy.frames_lost_whole
    time.sleep(2)  # the reader publishes its counters about once a second
    missing = sum(metric(server, "vms_camera_missing_frames_total", "lossy"))
    print(f"\nMEASURED RTP packets dropped: {dropped}, frames lost whole: {lost}, "
          f"frames counted missing: {missing:g}")
    assert lost >= 3, proxy
    # A frame all of whose packets were dropped leaves a gap in the timestamps; a frame that lost
    # only some (a parameter set, a fragment) is damaged instead, not missing.
    assert abs(missing - lost) <= max(1, 0.2 * lost), (dropped, lost, missing)
    assert server.camera_status("lossy")["state"] == "connected"


# ---------------------------------------------------------------------------------------------
# recovery


OUTAGE = 45.0


@pytest.mark.slow
def test_camera_back_within_5_s_after_a_long_outage(workdir, testcam, vms):
    """The camera is off for 45 s (a power cut, a reboot): once it serves again on the same address,
    vms is connected within 5 s. An exponential backoff grown to 30 s during the outage misses this."""
    good = testcam("good", **GOOD_CAM)
    events_file = workdir / "testcam-outage-events.txt"
    cam = testcam("outage", events_file=str(events_file), **FAST_CAM)
    server = vms({
        "good": camera_config(good.url, **settings()),
        "outage": camera_config(cam.url, **settings()),
    })
    server.start()
    url = cam.url
    with HealthWatcher(server, interval=0.1) as watch:
        wait_connected_and_warm(server, "outage", WARMUP)
        wait_connected_and_warm(server, "good", WARMUP)
        stopped = time.time()
        cam.stop()
        wait_sample(watch, "outage", stopped, is_faulted, 20, "the camera reported down", server)
        time.sleep(max(0.0, stopped + OUTAGE - time.time()))
        cam.start()  # same port and schedule: the configured URL is valid again
        serving = time.time()  # start() returns once the camera printed READY (it is listening)
        assert cam.url == url, f"the camera came back elsewhere: {cam.url} != {url}"
        print(f"camera back after {serving - stopped:.1f} s off")
        back = wait_sample(watch, "outage", serving, is_connected, 35,
                           "the camera connected again after the outage", server)
        recovery = measured("reconnection after a 45 s outage (camera serving -> connected)",
                            back[0] - serving)
        attempts = events(events_file, "CLIENT", serving)
        if attempts:
            print(f"vms's first connection to the camera came {attempts[0] - serving:.2f} s after it was back")
        print(f"states since the outage: {watch.states('outage', since=stopped)}")
        assert_stayed_connected(watch, "good", stopped)
        until = time.time()
    server.stop()
    assert_every_window_recorded(server, good, "good", stopped, until)

    assert attempts, "the camera never saw vms connect (the events file has no CLIENT line)"
    assert recovery <= RECONNECT_TARGET, (
        f"connected {recovery:.2f} s after the camera was back (target {RECONNECT_TARGET:g} s); "
        f"vms first tried {attempts[0] - serving:.2f} s after it was back")


def test_fifty_live_viewers_of_a_main_stream_keep_its_rate_while_eight_cameras_record(workdir, testcam, vms):
    """50 players of one camera's main stream over the live WebSocket (MSE protocol, each
    acknowledging what it got as a browser appending it would) while 8 cameras record their motion:
    every player keeps the camera's frame rate within 10 %, none is moved to a later keyframe, and
    every camera still records each of its motion windows (issue 13)."""
    import base64
    import json
    import threading
    from vmstest import TEST_PASSWORD, TEST_USER, WebSocket
    cams = [testcam(f"c{i}", **GOOD_CAM) for i in range(8)]
    fps = cams[0].fps
    server = vms({f"c{i}": camera_config(cam.url, **settings()) for i, cam in enumerate(cams)})
    server.start()
    for i in range(8):
        wait_connected_and_warm(server, f"c{i}", WARMUP)
    headers = {"Origin": f"http://127.0.0.1:{server.port}",
               "Authorization": "Basic " + base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()}
    stop = threading.Event()
    rates, skips, failures = {}, {}, []

    def player(n):
        ws = WebSocket(server.port, "/api/v1/cameras/c0/live?stream=main", headers)
        try:
            assert ws.status == 101, ws.status
            acked, frames, first = 0, 0, None
            kind, _ = ws.frame(timeout=10)  # the stream message
            kind, _ = ws.frame(timeout=10)  # the init segment
            # The frames since the newest keyframe come at once: count from the first live one on.
            burst_until = time.monotonic() + 1.5
            while not stop.is_set():
                kind, payload = ws.frame(timeout=5)
                if kind == "text":
                    message = json.loads(payload)
                    if message["type"] in ("behind", "skip"):
                        skips[n] = message["skips"]
                    continue
                acked += len(payload)
                ws.send_text(json.dumps({"type": "ack", "bytes": acked}))
                if time.monotonic() < burst_until:
                    continue
                if first is None:
                    first = time.monotonic()
                else:
                    frames += 1
            rates[n] = frames / max(0.1, time.monotonic() - first)
        except Exception as error:  # noqa: BLE001 - reported below with the player's number
            failures.append(f"player {n}: {error!r}")
        finally:
            ws.close()

    started = time.time()
    threads = [threading.Thread(target=player, args=(n,), daemon=True) for n in range(50)]
    for thread in threads:
        thread.start()
    time.sleep(20)
    stop.set()
    for thread in threads:
        thread.join(10)
    until = time.time()
    server.stop()
    assert not failures, failures
    slowest, fastest = min(rates.values()), max(rates.values())
    measured("slowest of 50 live (MSE) players of one main stream", slowest, "fps")
    assert len(rates) == 50, f"{len(rates)} players finished"
    # A Python player starved of the GIL for a second may be moved to a later keyframe (the server
    # protecting itself, as designed): reported, not failed; its frame rate below still must hold.
    print(f"players moved to a later keyframe: {skips or 'none'}")
    assert slowest >= fps * 0.9 and fastest <= fps * 1.1, f"players' rates (camera {fps} fps): {sorted(rates.values())}"
    for i, cam in enumerate(cams):
        assert_every_window_recorded(server, cam, f"c{i}", started + 2, until)
