"""Issue 11 ("trust under faults"), the client-side rows: what a misbehaving or crowding client sees
from a real `vms serve` over real sockets (docs/api.md, "Limits").

- oversized requests: a request line past 8 KiB is answered 414 and headers past 32 KiB 431, at
  once and on a closed connection (before: never answered, the socket stayed open);
- password guessing: at most 10 password checks per client address per minute, the rest 429 with
  Retry-After, while the right password from another address is accepted at once;
- 200 WebSocket clients with HTTP Basic credentials (bcrypt cost 12) all accepted within 5 s.

Run: VMS_BIN=.build/debug/vms /usr/bin/python3 -m pytest tests/test_client_faults.py -q
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import json
import socket
import subprocess
import threading
import time

import pytest

import vmstest
from vmstest import to_yaml

REQUEST_LINE_LIMIT = 8 * 1024
HEADER_LIMIT = 32 * 1024
CHECKS_PER_ADDRESS_AND_MINUTE = 10
ADMIN, ADMIN_PASSWORD = "admin", "the-Real-admin-42"


# ---------------------------------------------------------------------------------------------
# raw HTTP over a socket


class AnswerReader:
    """Reads HTTP/1.1 answers from a socket, keeping what it read past one answer for the next."""

    def __init__(self, sock):
        self.sock = sock
        self.pending = b""

    def _more(self):
        chunk = self.sock.recv(65536)
        self.pending += chunk
        return bool(chunk)

    def answer(self, timeout):
        """(status, headers, body); status None when nothing came within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while b"\r\n\r\n" not in self.pending:
                if not self._more():
                    return None, {}, self.pending
        except (socket.timeout, ConnectionResetError):
            return None, {}, self.pending
        head, _, self.pending = self.pending.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1]) if lines[0].startswith("HTTP/") else None
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.pending) < length and self._more():
            pass
        body, self.pending = self.pending[:length], self.pending[length:]
        return status, headers, body

    def closed(self, timeout):
        """True when the server ends the stream (or resets it) within `timeout` seconds and sent
        nothing more."""
        self.sock.settimeout(timeout)
        try:
            return not self.pending and not self._more()
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def send_raw(port, data, timeout=3.0):
    """Sends `data` on a new connection and reads one answer: (status, headers, body, closed,
    seconds from the first byte sent to the whole answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        began = time.monotonic()
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and stop reading before the last byte
        reader = AnswerReader(sock)
        status, headers, body = reader.answer(timeout)
        seconds = time.monotonic() - began
        return status, headers, body, reader.closed(timeout), seconds


# ---------------------------------------------------------------------------------------------
# 1. oversized requests


@pytest.fixture
def server(vms):
    server = vms({})
    server.start()
    return server


def test_an_overlong_request_line_is_answered_414_at_once(server):
    request = b"GET /api/v1/health?" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    status, headers, body, closed, seconds = send_raw(server.port, request)
    print(f"100 KB request line: {status} in {seconds * 1000:.0f} ms, closed={closed}")
    assert status == 414, (status, body)
    assert seconds < 1.0, f"answered after {seconds:.2f} s"
    assert headers.get("connection") == "close" and closed, "the connection must be closed after the answer"
    assert headers.get("content-type", "").startswith("application/json")
    assert str(REQUEST_LINE_LIMIT) in json.loads(body)["error"]


def test_oversized_headers_are_answered_431_at_once(server):
    one_big = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 200_000 + b"\r\n\r\n"
    many = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(
        b"X-Header-%d: %s\r\n" % (n, b"v" * 90) for n in range(2000)) + b"\r\n"  # ~200 KB
    for name, request in (("one 200 KB header", one_big), ("2000 headers", many)):
        status, headers, body, closed, seconds = send_raw(server.port, request)
        print(f"{name}: {status} in {seconds * 1000:.0f} ms, closed={closed}")
        assert status == 431, (name, status, body)
        assert seconds < 1.0, f"{name}: answered after {seconds:.2f} s"
        assert headers.get("connection") == "close" and closed, name
        assert str(HEADER_LIMIT) in json.loads(body)["error"]


def test_requests_within_the_limits_and_in_a_row_are_served(server):
    # Just under both limits: served as usual.
    path = b"/api/v1/health?" + b"a" * (REQUEST_LINE_LIMIT - 200)
    headers = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"p" * 1000) for n in range(30))  # ~31 KB
    status, _, body, _, _ = send_raw(server.port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + headers
                                     + b"Connection: close\r\n\r\n")
    assert status == 200, body
    # Keep-alive: an oversized request after a good one on the same connection is refused in
    # order, after the good one's answer.
    with socket.create_connection(("127.0.0.1", server.port), timeout=3) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
                     + b"GET /" + b"a" * 50_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        reader = AnswerReader(sock)
        first = reader.answer(3)
        assert first[0] == 200, first
        second = reader.answer(3)
        assert second[0] == 414, second
        assert reader.closed(3)
    # A malformed first request is answered too (it used to hang like the oversized ones).
    status, _, _, closed, seconds = send_raw(server.port, b"NOT HTTP AT ALL\r\n\r\n")
    assert status == 400 and closed and seconds < 1.0, (status, closed, seconds)
    assert server.health(quiet=True) is not None


# ---------------------------------------------------------------------------------------------
# 2. password guessing in parallel


@pytest.fixture(scope="module")
def cost12_hash(vms_bin):
    """A real bcrypt hash at the cost `vms hash-password` uses by default (12: ~0.3 s a check)."""
    out = subprocess.run([str(vms_bin), "hash-password"], input=ADMIN_PASSWORD, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    digest = out.stdout.strip()
    assert digest.startswith("$2") and digest[4:6] == "12", digest
    return digest


@pytest.fixture
def cost12_server(vms, cost12_hash):
    server = vms({})
    config = vmstest.vms_config(server.data_dir, server.port, {})
    config["auth"]["users"] = [{"name": ADMIN, "password_hash": cost12_hash, "role": "admin"}]
    server.write_config_text(to_yaml(config) + "\n")
    server.start()
    return server


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def request(server, method, path, source="127.0.0.1", headers=None, body=None, timeout=30):
    """(status, headers, body, seconds) of one request from the local address `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout, source_address=(source, 0))
    began = time.monotonic()
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(headers or {})
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return (response.status, {k.lower(): v for k, v in response.getheaders()}, payload,
                time.monotonic() - began)
    finally:
        conn.close()


def sign_in(server, password, source):
    return request(server, "POST", "/api/v1/login", source=source,
                   body={"name": ADMIN, "password": password})


def test_parallel_guesses_are_limited_per_address_and_the_admin_gets_in_at_once(cost12_server):
    server = cost12_server
    guesses = 36
    results = [None] * guesses
    start = threading.Barrier(guesses + 1)

    def guess(n):
        start.wait()
        if n % 2:  # the login form and HTTP Basic share the budget
            results[n] = sign_in(server, f"guess-{n}", "127.0.0.1")
        else:
            results[n] = request(server, "GET", "/api/v1/me", headers={"Authorization": basic(ADMIN, f"guess-{n}")})

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    time.sleep(0.1)  # the guesses are in; the real admin signs in from another address meanwhile
    admin = sign_in(server, ADMIN_PASSWORD, "127.0.0.2")
    for thread in threads:
        thread.join(timeout=60)
    all_done = time.monotonic() - began

    statuses = [r[0] for r in results]
    refused = [r for r in results if r[0] == 429]
    checked = [r for r in results if r[0] == 401]
    slowest_refusal = max((r[3] for r in refused), default=0)
    print(f"\n{guesses} parallel wrong passwords from 127.0.0.1: {len(checked)} x 401, {len(refused)} x 429 "
          f"(slowest 429 in {slowest_refusal * 1000:.0f} ms), all answered in {all_done:.2f} s; "
          f"the real admin from 127.0.0.2: {admin[0]} in {admin[3] * 1000:.0f} ms")
    assert len(checked) + len(refused) == guesses, statuses
    assert len(checked) <= CHECKS_PER_ADDRESS_AND_MINUTE, f"{len(checked)} password checks: {statuses}"
    assert len(refused) >= guesses - CHECKS_PER_ADDRESS_AND_MINUTE, statuses
    for status, headers, body, seconds in refused:
        assert 1 <= int(headers["retry-after"]) <= 60, headers
        assert "error" in json.loads(body) and "set-cookie" not in headers
        assert seconds < 1.0, f"a refusal took {seconds:.2f} s: it must not wait for a password check"
    assert all_done < 10, f"the guesses took {all_done:.1f} s"

    assert admin[0] == 200, admin
    assert json.loads(admin[2]) == {"name": ADMIN, "role": "admin"}
    # Measured ~0.7 s in a debug build (one check running, then the admin's); 12 s before.
    assert admin[3] < 2.0, f"the real admin waited {admin[3]:.2f} s behind the guesses"

    # The address stays refused for both ways in, at once, and the admin's session works.
    for answer in (sign_in(server, "guess-again", "127.0.0.1"),
                   request(server, "GET", "/api/v1/me", headers={"Authorization": basic(ADMIN, "x")})):
        assert answer[0] == 429 and answer[3] < 1.0, answer
    cookie = admin[1]["set-cookie"].split(";")[0]
    assert request(server, "GET", "/api/v1/me", source="127.0.0.1", headers={"Cookie": cookie})[0] == 200


# ---------------------------------------------------------------------------------------------
# 3. many WebSocket clients with HTTP Basic credentials


def open_events(port, authorization, timeout):
    """Opens GET /api/v1/events as a WebSocket and reads its first message: (status, first message
    or None, seconds to it). The socket is returned open (close it)."""
    began = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Authorization: {authorization}\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return sock, 0, None, time.monotonic() - began
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if status != 101:
        return sock, status, None, time.monotonic() - began
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    assert accept in head, head

    def read(n):
        nonlocal rest
        while len(rest) < n:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed before the first message")
            rest += chunk
        out, rest = rest[:n], rest[n:]
        return out

    b1, b2 = read(2)
    length = b2 & 0x7F
    if length == 126:
        length = int.from_bytes(read(2), "big")
    elif length == 127:
        length = int.from_bytes(read(8), "big")
    payload = read(length)
    assert b1 & 0x0F == 1, f"first frame is not text: {b1:#x}"
    return sock, status, json.loads(payload), time.monotonic() - began


def test_200_websocket_clients_with_basic_credentials_are_all_accepted_within_5_s(cost12_server):
    server = cost12_server
    clients = 200
    authorization = basic(ADMIN, ADMIN_PASSWORD)
    results = [None] * clients
    sockets = []
    start = threading.Barrier(clients + 1)

    def client(n):
        start.wait()
        try:
            sock, status, first, seconds = open_events(server.port, authorization, timeout=20)
            sockets.append(sock)
            results[n] = (status, first, seconds)
        except OSError as error:
            results[n] = (None, repr(error), None)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join(timeout=60)
    all_done = time.monotonic() - began
    try:
        accepted = [r for r in results if r and r[0] == 101 and r[1] and r[1].get("type") == "snapshot"]
        within = [r for r in accepted if r[2] < 5.0]
        failed = [r for r in results if r not in accepted]
        slowest = max((r[2] for r in accepted), default=0)
        print(f"\n{clients} WebSocket clients with Basic (bcrypt cost 12) at once: {len(accepted)} got 101 and "
              f"the snapshot, {len(within)} within 5 s (slowest {slowest:.2f} s, all done in {all_done:.2f} s); "
              f"failed: {failed[:5]}")
        assert len(within) == clients, f"{len(within)} of {clients} accepted within 5 s; failures: {failed[:10]}"
        assert accepted[0][1]["cameras"] == []
    finally:
        for sock in sockets:
            sock.close()
    # A wrong password on the same way in is still refused (and counted).
    sock, status, first, _ = open_events(server.port, basic(ADMIN, "not-it"), timeout=10)
    sock.close()
    assert status != 101 and first is None, status
