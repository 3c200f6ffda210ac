"""Logs (issue 7): at `--log-level debug`, every line about a camera carries `camera=ID`, and no
camera password is ever printed, whether the camera connects (right password) or refuses it
(wrong password). Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_logs.py -q
"""

from __future__ import annotations

import re
import signal
import subprocess

import pytest

import vmstest
from vmstest import camera_config, wait_until

RIGHT, WRONG = "right-Secret-42", "wrong-Secret-17"


@pytest.mark.slow
def test_camera_lines_carry_the_camera_id_and_no_password(workdir, testcam, vms_bin):
    cam = testcam("locked", user="viewer", password=RIGHT, fps=10, gop=10, motion_every=4, motion_duration=2)
    server = vmstest.Vms(workdir, {
        "good": camera_config(cam.url_with("viewer", RIGHT), warmup="0s", min_duration="1s"),
        "refused": camera_config(cam.url_with("viewer", WRONG), detect_url=cam.url_with("viewer", WRONG)),
    })
    stderr_path = workdir / "vms-debug.stderr"
    proc = subprocess.Popen(
        [str(vms_bin), "serve", "--config", str(server.config_path), "--log-level", "debug"],
        stdout=subprocess.DEVNULL, stderr=open(stderr_path, "wb"), stdin=subprocess.DEVNULL, cwd=workdir,
    )
    try:
        def log():
            return stderr_path.read_text(errors="replace")

        wait_until(lambda: "camera=good" in log() and "clip complete" in log() and "camera=refused" in log(),
                   40, "a connection, a clip and a refusal in the log", details=lambda: vmstest.tail(stderr_path))
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
    text = stderr_path.read_text(errors="replace")
    assert code == 0, vmstest.tail(stderr_path)
    assert RIGHT not in text and WRONG not in text, "a camera password was printed in the log"
    assert "viewer:***@" in text, "URLs should be logged with the password masked"
    for line in text.splitlines():
        # A camera line: one that names a camera's URL, its clip files or its motion.
        if re.search(r"rtsp://|recordings/|motion (started|stopped)|clip (started|complete)", line):
            assert re.search(r"camera=(good|refused)\b", line), f"camera line without camera=: {line}"
