"""`make install` and `make deb` (issue 7): the installed layout, the installed binary serving the
installed UI on the installed configuration, the systemd unit, the .deb's dependencies and contents.

The build (static Swift runtime) is done once per session by the `installed` fixture, through the
shared build lock (scripts/install-vms takes it). It is a debug build (VMS_BUILD_CONFIGURATION):
these tests check the layout, the unit and the package, not the optimiser, and a release build
would add ~4 min to `make test`. `make install` and `make deb` build release by default.
Run: /usr/bin/python3 -m pytest tests/test_install.py -q
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

import vmstest
from vmstest import REPO_ROOT, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.install]

PREFIX = "/usr"
# What `make install` and `make deb` run with here (see the module's docstring).
BUILD_ENV = {**os.environ, "VMS_BUILD_CONFIGURATION": "debug"}


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    destdir = tmp_path_factory.mktemp("destdir")
    result = subprocess.run(
        ["make", "-C", str(REPO_ROOT), "install", f"DESTDIR={destdir}", f"PREFIX={PREFIX}"],
        capture_output=True, text=True, timeout=3600, env=BUILD_ENV,
    )
    assert result.returncode == 0, f"make install failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return destdir


def test_install_lays_out_the_expected_files(installed):
    root = installed
    binary = root / "usr/lib/vms/vms"
    assert binary.is_file() and os.access(binary, os.X_OK)
    link = root / "usr/bin/vms"
    assert link.is_symlink() and os.readlink(link) == "../lib/vms/vms"
    assert (root / "usr/lib/vms/vms_WebUI.resources/ui/index.html").is_file()
    assert (root / "usr/lib/vms/vms_WebUI.resources/ui/login.html").is_file()
    unit = (root / "usr/lib/systemd/system/vms.service").read_text()
    assert "ExecStart=/usr/bin/vms serve --config /etc/vms/vms.yaml" in unit
    assert "@BINDIR@" not in unit and "@DOCDIR@" not in unit
    config = (root / "etc/vms/vms.yaml").read_text()
    assert 'data_dir: "/var/lib/vms"' in config
    assert "demo" not in config.split("cameras:", 1)[1].split("\n", 1)[0]
    assert not re.search(r"^  demo:", config, re.M), "the demo camera must not be installed"
    assert (root / "var/lib/vms").is_dir()
    assert (root / "usr/share/doc/vms/README.md").is_file()

    # The Swift runtime is linked statically: nothing from the toolchain is needed at run time.
    ldd = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    assert "libswiftCore" not in ldd and "libFoundation" not in ldd and "not found" not in ldd, ldd
    for lib in ("libavformat", "libavcodec", "libopencv_core", "libyaml"):
        assert lib in ldd, f"{lib} not linked?\n{ldd}"

    # The installed configuration is valid as shipped.
    check = subprocess.run(
        [str(binary), "check-config", "--config", str(root / "etc/vms/vms.yaml")],
        capture_output=True, text=True, timeout=30,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_install_keeps_an_existing_config(installed, tmp_path):
    destdir = tmp_path / "dest"
    (destdir / "etc/vms").mkdir(parents=True)
    (destdir / "etc/vms/vms.yaml").write_text("# mine\n")
    # The build is already done (the session fixture): this only copies files.
    result = subprocess.run(
        ["make", "-C", str(REPO_ROOT), "install", f"DESTDIR={destdir}", f"PREFIX={PREFIX}"],
        capture_output=True, text=True, timeout=1800, env=BUILD_ENV,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (destdir / "etc/vms/vms.yaml").read_text() == "# mine\n"
    assert "keeping the existing" in result.stdout


def test_installed_binary_serves_health_and_the_installed_ui(installed, tmp_path):
    root = installed
    # A marker only the installed copy of the UI has: proves the binary serves the resources
    # installed beside it, not the ones in the build folder.
    marker = root / "usr/lib/vms/vms_WebUI.resources/ui/installed-marker.txt"
    marker.write_text("installed copy\n")
    port = vmstest.free_port()
    config = (root / "etc/vms/vms.yaml").read_text()
    config = config.replace('"127.0.0.1:8080"', f'"127.0.0.1:{port}"')
    config = config.replace('"/var/lib/vms"', f'"{tmp_path / "data"}"')
    config_path = tmp_path / "vms.yaml"
    config_path.write_text(config)
    stderr_path = tmp_path / "vms.stderr"
    # Started through the /usr/bin symlink, as the unit does.
    proc = subprocess.Popen(
        [str(root / "usr/bin/vms"), "serve", "--config", str(config_path)],
        stdout=subprocess.DEVNULL, stderr=open(stderr_path, "wb"), stdin=subprocess.DEVNULL, cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        def health():
            assert proc.poll() is None, f"vms exited {proc.returncode}:\n{vmstest.tail(stderr_path)}"
            try:
                with urllib.request.urlopen(base + "/api/v1/health", timeout=2) as response:
                    return response.status == 200 and b'"status"' in response.read()
            except OSError:
                return False

        wait_until(health, 30, "the installed vms to answer /api/v1/health")
        with urllib.request.urlopen(base + "/login.html", timeout=5) as response:
            assert response.status == 200
            assert b"<html" in response.read().lower()
        with urllib.request.urlopen(base + "/installed-marker.txt", timeout=5) as response:
            assert response.read() == b"installed copy\n"
    finally:
        proc.terminate()
        code = proc.wait(timeout=15)
        marker.unlink()
    assert code == 0, f"vms exited {code} after SIGTERM:\n{vmstest.tail(stderr_path)}"


def test_unit_file(installed, tmp_path):
    unit_path = installed / "usr/lib/systemd/system/vms.service"
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(unit_path)
    service = parser["Service"]
    assert service["User"] == "vms" and service["Group"] == "vms"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert service["TimeoutStopSec"] == "15"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert set(service["ReadWritePaths"].split()) == {"/var/lib/vms", "/etc/vms"}
    assert parser["Install"]["WantedBy"] == "multi-user.target"

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("systemd-analyze is not installed: the unit was checked as INI only")
        return
    # verify checks that ExecStart's binary exists: point it at the installed one.
    copy = tmp_path / "vms.service"
    copy.write_text(unit_path.read_text().replace("ExecStart=/usr/bin/vms", f"ExecStart={installed}/usr/bin/vms"))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "vms.service" not in result.stderr, result.stderr  # no warning about our unit


def test_deb(installed):
    # `installed` first: the build is then already done when make deb runs.
    result = subprocess.run(["make", "-C", str(REPO_ROOT), "deb"], capture_output=True, text=True, timeout=1800,
                            env=BUILD_ENV)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    m = re.search(r"make-deb: built (\S+\.deb)", result.stdout)
    assert m, result.stdout
    deb = Path(m.group(1))
    if not deb.is_absolute():
        deb = REPO_ROOT / deb
    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
    depends = re.search(r"^ Depends: (.*)$", info, re.M)
    assert depends, info
    for package in ("libavformat", "libavcodec", "libavutil", "libswscale", "libopencv-core",
                    "libopencv-imgproc", "libopencv-video", "libyaml", "libsqlite3", "libc6"):
        assert package in depends.group(1), f"{package} missing from Depends: {depends.group(1)}"
    assert "swift" not in depends.group(1).lower()
    for script in ("postinst", "prerm", "postrm"):
        assert script in info, info
    contents = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    for path in ("./usr/lib/vms/vms", "./usr/bin/vms -> ../lib/vms/vms", "./usr/lib/systemd/system/vms.service",
                 "./usr/lib/vms/vms_WebUI.resources/ui/index.html", "./usr/share/vms/vms.yaml",
                 "./usr/share/vms/setup-system"):
        assert path in contents, f"{path} not in the package:\n{contents}"
    assert "./etc/vms/vms.yaml" not in contents, "vms.yaml must not be a conffile (vms rewrites it)"
    # The maintainer scripts are valid shell.
    control = REPO_ROOT / "packaging/deb"
    for script in ("postinst", "prerm", "postrm"):
        subprocess.run(["sh", "-n", str(control / script)], check=True)
