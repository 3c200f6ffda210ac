"""`vms import-seed` (issue 7): a folder shaped like the original Mon VMS Web's (cameras.json,
settings.json, recordings/, thumbnails/, archives/ with .meta.json comments, real MP4s made with the
ffmpeg CLI) becomes our YAML and clips, archives and comments visible through the API of a real
`vms serve`. Also checks the logs of that server: camera lines carry `camera=ID`, and the password of
a camera URL is never printed.
Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_import_seed.py -q
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import vmstest
from vmstest import TEST_PASSWORD, TEST_PASSWORD_HASH, TEST_USER, wait_until

SECRET = "S3cret-Pa55"  # the password in a camera URL: must never reach the logs


def make_video(path: Path, seconds: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=10",
         "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(path)],
        check=True, timeout=60,
    )


def make_jpeg(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120",
         "-frames:v", "1", "-y", str(path)],
        check=True, timeout=60,
    )


@pytest.fixture
def seed(tmp_path):
    """The original's folder: two cameras (one with credentials in its URL, one disabled), clips by
    camera folder and flat with the camera name as prefix, thumbnails apart, archives with a
    folder .meta.json and a sidecar."""
    root = tmp_path / "MonVMS"
    root.mkdir()
    dead_port = vmstest.free_port()  # nothing listens: the camera stays disconnected, and logs it
    (root / "cameras.json").write_text(json.dumps([
        {"name": "Entrée principale", "url": f"rtsp://admin:{SECRET}@127.0.0.1:{dead_port}/stream1",
         "enabled": True, "sensitivity": 90, "min_record_time": 8},
        {"name": "Garage", "rtsp_url": f"rtsp://127.0.0.1:{dead_port}/garage", "enabled": "false",
         "sensibilite": "50", "unknown_key": [1, 2]},
        {"url": "rtsp://127.0.0.1:1/nameless"},
    ], ensure_ascii=False))
    (root / "settings.json").write_text(json.dumps({"retention_days": 30, "theme": "dark"}))
    today = datetime.now().date()
    yesterday = today - timedelta(days=1)
    t, y = today.isoformat(), yesterday.isoformat()
    make_video(root / "recordings" / "Entrée principale" / t / "10-00-00.mp4", 3)
    make_jpeg(root / "thumbnails" / "Entrée principale" / t / "10-00-00.jpg")
    make_video(root / "recordings" / "Entrée principale" / t / "10-05-30.mp4", 2)
    garage_stem = f"Garage_{today.strftime('%Y%m%d')}_114500"
    make_video(root / "recordings" / f"{garage_stem}.mp4", 2)
    make_jpeg(root / "thumbnails" / f"{garage_stem}.jpg")
    make_video(root / "archives" / "Entrée principale" / y / "09-30-00.mp4", 4)
    (root / "archives" / "Entrée principale" / ".meta.json").write_text(json.dumps(
        {f"{y}/09-30-00.mp4": {"comment": "Livreur <b>colis</b> été"}}, ensure_ascii=False))
    make_video(root / "archives" / "Garage" / f"Garage_{y}_18-00-00.mp4", 2)
    (root / "archives" / "Garage" / f"Garage_{y}_18-00-00.mp4.meta.json").write_text(
        json.dumps({"comment": "Voiture"}))
    return {"root": root, "today": t, "yesterday": y}


def api_get(base, path):
    request = urllib.request.Request(base + path)
    token = base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers, response.read()


def api_json(base, path):
    return json.loads(api_get(base, path)[2].decode())


def run_import(seed_root, config, data_dir="data"):
    return vmstest.run_vms(
        ["import-seed", str(seed_root), "--config", str(config), "--data-dir", data_dir], timeout=120)


def test_import_seed_yaml_clips_archives_comments(seed, workdir, vms):
    server = vms()  # its config path and port; the config is written by import-seed
    config = server.config_path
    result = run_import(seed["root"], config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 camera(s) added" in result.stdout, result.stdout
    assert "5 clip(s) imported (2 archived, 2 comment(s), 2 thumbnail(s))" in result.stdout, result.stdout
    assert "has no name" in result.stderr, "the camera without a name should be reported"
    assert SECRET not in result.stdout + result.stderr

    text = config.read_text()
    check = vmstest.run_vms(["check-config", "--config", str(config)])
    assert check.returncode == 0, check.stdout + check.stderr + text
    assert re.search(r"^  entree-principale:\n", text, re.M), text
    assert re.search(r"^  garage:\n", text, re.M), text
    assert '"Entrée principale"' in text
    assert "min_area_percent: 0.5" in text and "min_area_percent: 2.5" in text, text
    assert 'min_duration: "8s"' in text, text
    assert "retention_days: 30" in text, text
    assert re.search(r"^  garage:\n(    .*\n)*?    enabled: false\n", text, re.M), text

    data = workdir / "data"
    rows = vmstest.read_clips(data)
    assert len(rows) == 5, rows
    assert (data / "import-seed.json").exists()

    # Idempotent: a second run imports nothing and adds no camera.
    again = run_import(seed["root"], config)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 camera(s) added, 2 already there" in again.stdout, again.stdout
    assert "0 clip(s) imported" in again.stdout and "5 already imported" in again.stdout, again.stdout
    assert config.read_text() == text
    assert len(vmstest.read_clips(data)) == 5
    # Even without the ledger (a run interrupted before writing it): same camera, start and size.
    (data / "import-seed.json").unlink()
    third = run_import(seed["root"], config)
    assert third.returncode == 0 and "0 clip(s) imported" in third.stdout, third.stdout + third.stderr
    assert len(vmstest.read_clips(data)) == 5

    # Serve the result: our port, a known admin, and the API shows what was imported.
    text = config.read_text().replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
    text += f'auth:\n  users:\n    - {{ name: {TEST_USER}, password_hash: "{TEST_PASSWORD_HASH}", role: admin }}\n'
    server.write_config_text(text)
    server.start()
    base = server.base_url

    cameras = {c["id"]: c for c in api_json(base, "/api/v1/cameras")}
    assert {"entree-principale", "garage"} <= set(cameras), cameras
    assert cameras["entree-principale"]["name"] == "Entrée principale"

    today, yesterday = seed["today"], seed["yesterday"]
    clips = api_json(base, f"/api/v1/cameras/entree-principale/clips?date={today}")
    assert [c["archived"] for c in clips] == [False, False], clips
    assert [datetime.fromtimestamp(c["start_ms"] / 1000).strftime("%H:%M:%S") for c in clips] == [
        "10:00:00", "10:05:30"]
    assert abs(clips[0]["duration_ms"] - 3000) <= 200, clips[0]
    assert abs(clips[1]["duration_ms"] - 2000) <= 200, clips[1]
    assert clips[0]["has_thumbnail"] is True and clips[1]["has_thumbnail"] is False, clips
    status, headers, body = api_get(base, f"/api/v1/clips/{clips[0]['id']}/thumbnail")
    assert status == 200 and body[:2] == b"\xff\xd8"
    status, headers, body = api_get(base, f"/api/v1/clips/{clips[0]['id']}/video")
    assert status == 200 and b"ftyp" in body[:64]
    probe = vmstest.ffprobe(data / vmstest.read_clips(data, "entree-principale")[0]["file"])
    assert probe, probe

    garage = api_json(base, f"/api/v1/cameras/garage/clips?date={today}")
    assert len(garage) == 1 and garage[0]["has_thumbnail"] is True, garage
    assert datetime.fromtimestamp(garage[0]["start_ms"] / 1000).strftime("%H:%M:%S") == "11:45:00"

    archived = api_json(base, f"/api/v1/cameras/entree-principale/clips?date={yesterday}&archived=true")
    assert len(archived) == 1 and archived[0]["archived"] is True, archived
    assert archived[0]["comment"] == "Livreur <b>colis</b> été"
    assert api_json(base, "/api/v1/cameras/entree-principale/days?archived=true") == [yesterday]
    garage_archived = api_json(base, f"/api/v1/cameras/garage/clips?date={yesterday}&archived=true")
    assert [c["comment"] for c in garage_archived] == ["Voiture"], garage_archived
    status, headers, _ = api_get(base, f"/api/v1/clips/{archived[0]['id']}/download")
    assert "Entree_principale" in headers["Content-Disposition"], headers["Content-Disposition"]

    # Logs: the camera with credentials is tried (and fails); its lines carry its id, its
    # password is never printed.
    wait_until(
        lambda: "camera=entree-principale" in server.stderr_path.read_text(errors="replace"),
        20, "a log line of camera entree-principale", details=server.log_tail)
    server.stop()
    log = server.stderr_path.read_text(errors="replace")
    assert SECRET not in log, "a camera password was printed in the log"
    for line in log.splitlines():
        if "rtsp://" in line:
            assert "camera=" in line, f"a camera line without camera=: {line}"
    assert "storage check" in log


def test_import_seed_refuses_a_running_server_and_a_missing_folder(seed, workdir, vms):
    missing = vmstest.run_vms(["import-seed", str(workdir / "nope"), "--config", str(workdir / "x.yaml")])
    assert missing.returncode == 1 and "is not a folder" in missing.stderr, missing.stderr

    server = vms({})
    server.start()
    running = vmstest.run_vms(["import-seed", str(seed["root"]), "--config", str(server.config_path)])
    assert running.returncode == 1, running.stdout + running.stderr
    assert "vms serve is running" in running.stderr, running.stderr
