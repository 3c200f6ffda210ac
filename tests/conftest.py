"""pytest fixtures for the end-to-end tests (run with Debian's python: `/usr/bin/python3 -m pytest tests`).

Fixtures
- `vms_bin`: the binary under test ($VMS_BIN, default .build/debug/vms); a test FAILS when it is missing.
- `workdir`: a fresh directory per test; on failure it is copied to tests/artifacts/<test id>/
  (vms stderr/stdout, test camera logs, the YAML config, the data dir with the index and clips).
- `testcam(name, **options)`: starts tests/tools/testcam.py on a free port (options are its flags).
- `fake_peer(mode)`: a TCP peer that stays silent or sends garbage.
- `vms(cameras)`: a `vms serve` with its own config, data dir and free port (not started yet).
- `fault_proxy(target_url, **options)`: a tests/tools/faultproxy.py FaultProxy in front of the host and
  port of `target_url` (pass/stall/corrupt/drop/close at run time); `proxy.url_for(target_url)` goes through it.
Every process a test starts is stopped by the fixtures' finalizers, whatever the outcome.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vmstest  # noqa: E402

sys.path.insert(1, str(Path(__file__).resolve().parent / "tools"))

import faultproxy  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: end-to-end test that runs real cameras for tens of seconds "
        "(independent of each other: safe to run in parallel with pytest-xdist `-n 2`)"
    )
    config.addinivalue_line(
        "markers", "install: builds and installs a release binary (minutes of both cores): run on its "
        "own, after the timing-sensitive tests, so its compile does not starve them"
    )
    config.addinivalue_line(
        "markers", "soak: runs for ten minutes or more: `make soak`, never part of `make test`"
    )


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def _failed(node) -> bool:
    for when in ("setup", "call"):
        report = getattr(node, "rep_" + when, None)
        if report is not None and report.failed:
            return True
    return bool(getattr(node, "_vms_problems", None))


@pytest.fixture(scope="session")
def vms_bin():
    binary = vmstest.vms_binary()
    if not binary.exists():
        pytest.fail(
            f"vms binary not found at {binary}: build it (swift build) or point VMS_BIN at it",
            pytrace=False,
        )
    return binary


@pytest.fixture
def workdir(request, tmp_path):
    yield tmp_path
    if _failed(request.node):
        target = vmstest.copy_artifacts(tmp_path, request.node.nodeid)
        print(f"\nartifacts kept in {target}")
        for log in sorted(tmp_path.glob("*.stderr")):
            print(f"--- tail of {log.name} ---\n{vmstest.tail(log, 25)}")


@pytest.fixture
def testcam(workdir):
    started: list[vmstest.TestCam] = []

    def start(name="cam", **options):
        cam = vmstest.TestCam(workdir, name, **options)
        started.append(cam)
        return cam.start()

    yield start
    for cam in started:
        cam.close()


@pytest.fixture
def fake_peer():
    peers: list[vmstest.FakePeer] = []

    def start(mode):
        peer = vmstest.FakePeer(mode)
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.close()


@pytest.fixture
def vms(request, workdir, vms_bin):
    servers: list[vmstest.Vms] = []

    def make(cameras=None, name="vms"):
        server = vmstest.Vms(workdir, cameras, name=name)
        servers.append(server)
        return server

    yield make
    problems = []
    for server in servers:
        server.close()
        problems += server.problems
    if problems:
        request.node._vms_problems = problems
        pytest.fail("vms did not shut down cleanly:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def fault_proxy(workdir):
    proxies: list[faultproxy.FaultProxy] = []

    def start(target_url, **options):
        proxy = faultproxy.FaultProxy(*faultproxy.rtsp_target(target_url), **options)
        proxies.append(proxy)
        return proxy

    yield start
    for index, proxy in enumerate(proxies, 1):
        summary = repr(proxy)
        proxy.close()
        changes = ", ".join(f"{when:.3f} {mode}" for when, mode in proxy.mode_changes)
        (workdir / f"faultproxy-{index}.log").write_text(
            f"{summary}\nmode changes: {changes or 'none'}\nstalled_at: {proxy.stalled_at}\n"
            f"last_server_byte_at: {proxy.last_server_byte_at}\n")
