"""`GET /metrics` (issue 7): Prometheus text behind the normal auth gate, whose per-camera counters
move while a test camera records: frames and bytes in, motion events, clips written and their
finalise time, reconnects of a camera that is down, and the janitor's deletions and disk gauges.
Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_metrics.py -q
"""

from __future__ import annotations

import base64
import http.client
import math
import re
import time

import pytest

from vmstest import (
    TEST_PASSWORD,
    TEST_USER,
    camera_config,
    free_port,
    to_yaml,
    vms_config,
    wait_connected_and_warm,
    wait_until,
)

ADMIN = {"Authorization": "Basic " + base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()}

# ---------------------------------------------------------------------------------------------
# a small parser of the Prometheus text exposition format (0.0.4)

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"({NAME})(?:\{{(.*)\}})? (\S+)(?: (-?\d+))?")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    position = 0
    while position < len(text):
        m = LABEL.match(text, position)
        assert m, f"bad label set {{{text}}} at {text[position:]!r}"
        assert m.group(1) not in labels, f"label {m.group(1)} twice in {{{text}}}"
        labels[m.group(1)] = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)), m.group(2))
        position = m.end()
    return labels


def parse_metrics(text: str):
    """{family: type} and [(name, labels, value)]. Asserts the format: every sample belongs to a family
    declared by a `# TYPE` line before it (histograms through _bucket/_sum/_count), each family is
    declared once, and every value is a float."""
    types: dict[str, str] = {}
    samples: list[tuple[str, dict[str, str], float]] = []
    assert text.endswith("\n"), "the exposition must end with a newline"
    for number, line in enumerate(text.splitlines(), 1):
        where = f"line {number}: {line!r}"
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                assert re.fullmatch(NAME, parts[2]) and len(parts) == 4 and parts[3] in TYPES, where
                assert parts[2] not in types, f"family declared twice, {where}"
                types[parts[2]] = parts[3]
            elif len(parts) >= 3 and parts[1] == "HELP":
                assert re.fullmatch(NAME, parts[2]), where
            continue  # any other comment is allowed
        m = SAMPLE.fullmatch(line)
        assert m, f"not a sample, {where}"
        try:
            value = float(m.group(3))  # also "+Inf", "-Inf", "NaN"
        except ValueError:
            raise AssertionError(f"value is not a float, {where}") from None
        name, labels = m.group(1), parse_labels(m.group(2) or "")
        family = name if name in types else re.sub(r"_(bucket|sum|count)$", "", name)
        assert family in types, f"sample without a # TYPE line before it, {where}"
        if family != name:
            assert types[family] in ("histogram", "summary"), where
        if name.endswith("_bucket") and types[family] == "histogram":
            assert "le" in labels, where
        samples.append((name, labels, value))
    return types, samples


class Scrape:
    def __init__(self, text: str):
        self.text = text
        self.types, self.samples = parse_metrics(text)

    def values(self, name, **labels):
        return [v for n, ls, v in self.samples if n == name and all(ls.get(k) == w for k, w in labels.items())]

    def total(self, name, **labels):
        """Sum over the series of `name` matching `labels` (a camera's inputs); None when absent."""
        values = self.values(name, **labels)
        return sum(values) if values else None


def test_parser_reads_the_format():
    scrape = Scrape(
        "# HELP a_total Things.\n# TYPE a_total counter\n"
        'a_total{camera="x",input="both"} 3\na_total{camera="q\\"uote"} 1.5e3\n'
        "# TYPE h histogram\n"
        'h_bucket{camera="x",le="0.005"} 0\nh_bucket{camera="x",le="+Inf"} 2\n'
        'h_sum{camera="x"} 0.25\nh_count{camera="x"} 2\n# TYPE g gauge\ng NaN\n')
    assert scrape.total("a_total", camera="x") == 3 and scrape.total("a_total", camera='q"uote') == 1500
    assert scrape.values("h_bucket", le="+Inf") == [2] and math.isnan(scrape.values("g")[0])
    for bad in ("a_total 1\n", "# TYPE a counter\na x\n", "# TYPE a counter\na{b=1} 2\n"):
        with pytest.raises(AssertionError):
            parse_metrics(bad)


# ---------------------------------------------------------------------------------------------
# against a real server


def get(server, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def scrape(server) -> Scrape:
    status, headers, body = get(server, "/metrics", ADMIN)
    assert status == 200, (status, body[:300])
    assert headers.get("content-type", "").startswith("text/plain; version=0.0.4"), headers
    return Scrape(body.decode())


@pytest.mark.slow
def test_metrics_move_while_a_camera_records(workdir, testcam, vms):
    cam = testcam("yard", fps=10, gop=10, motion_duration=2)
    down_url = f"rtsp://127.0.0.1:{free_port()}/nobody"  # refused: every attempt is a reconnect
    cameras = {
        "yard": camera_config(cam.url, warmup="1s", pre_roll="1s", post_roll="1s", min_duration="2s"),
        "gone": camera_config(down_url),
    }
    server = vms(cameras)
    server.start()

    status, headers, _ = get(server, "/metrics")
    assert status == 401, "/metrics needs credentials, like the API"
    assert "www-authenticate" not in headers
    status, _, _ = get(server, "/metrics", {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()})
    assert status == 401

    wait_connected_and_warm(server, "yard", 1.0)
    first = scrape(server)
    for family, kind in (("vms_camera_frames_total", "counter"), ("vms_camera_bytes_total", "counter"),
                         ("vms_camera_reconnects_total", "counter"),
                         ("vms_camera_last_packet_timestamp_seconds", "gauge"),
                         ("vms_camera_motion_events_total", "counter"), ("vms_clips_written_total", "counter"),
                         ("vms_janitor_deleted_clips_total", "counter"), ("vms_janitor_freed_bytes_total", "counter"),
                         ("vms_storage_recordings_bytes", "gauge"), ("vms_storage_free_bytes", "gauge")):
        assert first.types.get(family) == kind, f"{family}: {first.types.get(family)}\n{first.text}"
    # One URL for recording and detection: one input, "both".
    assert first.values("vms_camera_frames_total", camera="yard", input="both"), first.text

    # Frames and bytes grow between two scrapes (published about once a second).
    later = wait_until(
        lambda: (s := scrape(server)).total("vms_camera_frames_total", camera="yard")
        > first.total("vms_camera_frames_total", camera="yard") + 5 and s,
        10, "frames_total of yard to grow")
    assert later.total("vms_camera_bytes_total", camera="yard") > first.total("vms_camera_bytes_total", camera="yard")
    last_packet = later.total("vms_camera_last_packet_timestamp_seconds", camera="yard")
    assert abs(time.time() - last_packet) < 5, f"last packet {time.time() - last_packet:.1f} s ago"
    assert later.total("vms_camera_motion_events_total", camera="yard") == 0
    assert later.total("vms_clips_written_total", camera="yard") == 0
    assert later.total("vms_storage_free_bytes") > 0

    # The camera that is down: reconnects counted, no frames.
    gone = wait_until(lambda: (s := scrape(server)).total("vms_camera_reconnects_total", camera="gone") >= 2 and s,
                      15, "reconnects of the camera that is down")
    assert not gone.total("vms_camera_frames_total", camera="gone")

    # A motion: one motion event, then one clip written, with its finalise time.
    cam.trigger_motion()
    after = wait_until(
        lambda: (s := scrape(server)).total("vms_clips_written_total", camera="yard") and s,
        20, "a clip written by yard", details=server.log_tail)
    assert after.total("vms_camera_motion_events_total", camera="yard") >= 1
    assert after.total("vms_clip_finalise_seconds_count", camera="yard") >= 1
    assert 0 < after.total("vms_clip_finalise_seconds_sum", camera="yard") < 10
    clip = next(c for c in server.clips("yard") if c["state"] == "complete")
    # The janitor's pass after the clip closed measured the recordings.
    measured = wait_until(lambda: (s := scrape(server)).total("vms_storage_recordings_bytes") and s, 10,
                          "recordings bytes measured by the janitor")
    assert measured.total("vms_storage_recordings_bytes") >= clip["size_bytes"]

    # A quota of one byte (hot reload): the janitor deletes the clip and counts it.
    config = vms_config(server.data_dir, server.port, cameras)
    config["storage"]["max_bytes"] = 1
    server.write_config_text(to_yaml(config) + "\n")
    deleted = wait_until(
        lambda: (s := scrape(server)).total("vms_janitor_deleted_clips_total") and s, 15,
        "the janitor deleting the clip under a 1-byte quota", details=server.log_tail)
    assert deleted.total("vms_janitor_freed_bytes_total") >= clip["size_bytes"]
    assert deleted.total("vms_storage_recordings_bytes") == 0
    server.stop()
