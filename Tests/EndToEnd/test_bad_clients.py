"""Misbehaving clients: each bad connection is closed (or gets Kafka's error answer),
while a well-behaved client keeps being served and data written before stays intact.

What a real Kafka 4.0 broker does (FINDINGS a, and Kafka's SocketServer): a frame
larger than socket.request.max.bytes (100 MiB) or with a negative size, a header it
cannot parse, an unknown API key and Produce v0-2 all close the connection;
ApiVersions of an unknown version is answered with UNSUPPORTED_VERSION.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time

import pytest

from support import (api_versions, create_topic, fetch_all_batches, kwire, list_offset,
                     unique, wait_until)

CLOSE_DEADLINE = 10.0  # seconds a bad connection may stay open after its bad input


def connect(broker) -> socket.socket:
    s = socket.create_connection((broker.host, broker.port), timeout=CLOSE_DEADLINE)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_frame(sock) -> bytes:
    """One response frame, or b'' if the broker closed (or reset) the connection."""
    def recv_exact(n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = sock.recv(n - len(buf))
            except ConnectionResetError:
                return b""
            if not chunk:
                return b""
            buf += chunk
        return buf
    head = recv_exact(4)
    if not head:
        return b""
    (n,) = struct.unpack(">i", head)
    body = recv_exact(n)
    return head + body if body or n == 0 else b""


def assert_closed(sock, what: str):
    """The broker must close the connection (EOF or reset) within CLOSE_DEADLINE,
    without sending a response."""
    sock.settimeout(CLOSE_DEADLINE)
    try:
        data = sock.recv(65536)
    except ConnectionResetError:
        data = b""
    except socket.timeout:
        raise AssertionError(f"{what}: connection still open {CLOSE_DEADLINE}s later") from None
    assert data == b"", f"{what}: expected the connection closed, got {len(data)} bytes {data[:64].hex()}"
    sock.close()


def api_versions_frame(version=3, correlation_id=7) -> bytes:
    body = {"ClientSoftwareName": "e2e", "ClientSoftwareVersion": "1"} if version >= 3 else {}
    return kwire.encode_request(18, version, body, correlation_id, "e2e")


def raw_header(api_key, version, correlation_id=1, client_id=b"e2e") -> bytes:
    return struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


class WellBehavedClient(threading.Thread):
    """Keeps sending ApiVersions and Metadata (and, when the broker serves them, a
    Produce and a Fetch) on fresh and long-lived connections, recording each
    request's outcome and latency."""

    def __init__(self, broker, topic: str | None, can_produce: bool):
        super().__init__(daemon=True)
        self.broker, self.topic, self.can_produce = broker, topic, can_produce
        self.stop_flag = threading.Event()
        self.ok, self.failures, self.latencies = 0, [], []

    def one_round(self, conn):
        t0 = time.monotonic()
        _, _, d = conn.call(18, 3, {"ClientSoftwareName": "good", "ClientSoftwareVersion": "1"})
        assert d is not None and d["ErrorCode"] == 0, d
        _, _, d = conn.call(3, 12, {"Topics": None, "AllowAutoTopicCreation": False,
                                    "IncludeTopicAuthorizedOperations": False})
        assert d is not None and d["Brokers"], d
        if self.can_produce:
            batch = kwire.build_batch([{"key": "good", "value": f"round-{self.ok}"}])
            _, _, d = conn.call(0, 9, {"TransactionalId": None, "Acks": -1, "TimeoutMs": 10000,
                                       "TopicData": [{"Name": self.topic, "PartitionData": [
                                           {"Index": 0, "Records": batch}]}]})
            assert d is not None, "Produce: connection closed"
            err = d["Responses"][0]["PartitionResponses"][0]["ErrorCode"]
            assert err == 0, kwire.err(err)
        self.latencies.append(time.monotonic() - t0)
        self.ok += 1

    def run(self):
        long_lived = None
        while not self.stop_flag.is_set():
            try:
                if long_lived is None:
                    long_lived = kwire.Conn(self.broker.host, self.broker.port, timeout=10)
                self.one_round(long_lived)
                fresh = kwire.Conn(self.broker.host, self.broker.port, timeout=10)
                try:
                    self.one_round(fresh)
                finally:
                    fresh.close()
            except Exception as e:  # noqa: BLE001 - every failure is recorded and asserted on
                self.failures.append(f"{time.strftime('%X')} {e!r}")
                if long_lived:
                    long_lived.close()
                long_lived = None
            self.stop_flag.wait(0.05)
        if long_lived:
            long_lived.close()

    def finish(self):
        self.stop_flag.set()
        self.join(15)
        assert not self.is_alive(), "well-behaved client thread hung"


@pytest.fixture
def served(broker):
    """Topic with a config and (when Produce is served) ten known records; a
    well-behaved client running for the whole test; at the end: it never failed, its
    requests stayed fast, and the earlier data and config are intact."""
    adv = api_versions(broker)
    can_produce = all(k in adv for k in (0, 1, 2))
    topic = unique("bad-clients")
    create_topic(broker, topic, configs={"retention.ms": "-1", "max.message.bytes": "2000000"})
    written = []
    if can_produce:
        c = kwire.Conn(broker.host, broker.port)
        for i in range(10):
            batch = kwire.build_batch([{"key": f"k{i}", "value": f"before-{i}"}],
                                      compression="gzip" if i % 2 else "none")
            _, _, d = c.call(0, 9, {"TransactionalId": None, "Acks": -1, "TimeoutMs": 10000,
                                    "TopicData": [{"Name": topic, "PartitionData": [
                                        {"Index": 0, "Records": batch}]}]})
            assert d["Responses"][0]["PartitionResponses"][0]["ErrorCode"] == 0
            written.append(batch)
        c.close()
    client = WellBehavedClient(broker, topic, can_produce)
    client.start()
    wait_until(lambda: client.ok > 0 or client.failures, 10, "the well-behaved client's first round")
    yield client
    # After all the bad input, the good client still completes new rounds.
    mark = client.ok
    wait_until(lambda: client.ok >= mark + 2 or client.failures, 10,
               "two more rounds of the well-behaved client after the test")
    client.finish()
    assert broker.alive(), f"broker died (exit {broker.proc.returncode})"
    assert client.ok >= 3, f"well-behaved client completed only {client.ok} rounds"
    assert not client.failures, f"well-behaved client failed {len(client.failures)} times: {client.failures[:5]}"
    worst = max(client.latencies)
    assert worst < 2.0, f"well-behaved client's slowest round took {worst:.2f}s"
    # The config and the data written before are intact.
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(32, 4, {"Resources": [{"ResourceType": 2, "ResourceName": topic,
                                                  "ConfigurationKeys": ["retention.ms", "max.message.bytes"]}],
                                 "IncludeSynonyms": False, "IncludeDocumentation": False})
    finally:
        c.close()
    assert sorted((x["Name"], x["Value"]) for x in d["Results"][0]["Configs"]) == \
        [("max.message.bytes", "2000000"), ("retention.ms", "-1")]
    if can_produce:
        batches, _ = fetch_all_batches(broker, topic)
        for i, sent in enumerate(written):
            assert batches[i]["baseOffset"] == i
            assert bytes.fromhex(batches[i]["raw"])[21:] == sent[21:], f"batch at offset {i} changed"
        assert list_offset(broker, topic, 0, -1)["Offset"] == 10 + client.ok


def test_garbage_bytes(broker, served):
    rnd = random.Random(1)
    # Garbage whose first four bytes read as a negative size or one over the limit:
    # random bytes, an HTTP request ("GET " = 1195725856) and a TLS ClientHello.
    garbage = [b"\x80" + rnd.randbytes(511), b"\xff" * 64,
               b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
               bytes.fromhex("16030100c4010000c00303") + rnd.randbytes(190)]
    for n, data in enumerate(garbage):
        s = connect(broker)
        s.sendall(data)
        assert_closed(s, f"garbage #{n} ({data[:8].hex()}...)")
    # A plausible size followed by garbage: the header cannot be decoded.
    for n in range(5):
        payload = rnd.randbytes(200)
        s = connect(broker)
        s.sendall(frame(payload))
        got = read_frame(s)
        assert got == b"", f"garbage frame #{n} ({payload[:8].hex()}...) got an answer {got[:32].hex()}"
        s.close()
    # A valid header and a body that does not decode (Metadata v12 with a lying array length).
    s = connect(broker)
    s.sendall(frame(raw_header(3, 12) + b"\x00" + b"\xff\xff\xff\xff\x07"))
    assert_closed(s, "undecodable Metadata body")
    # Zero-length and negative frame sizes.
    for size in (0, -1, -100):
        s = connect(broker)
        s.sendall(struct.pack(">i", size) + b"\x00" * 16)
        assert_closed(s, f"frame size {size}")


def test_frame_over_size_limit(broker, served):
    """socket.request.max.bytes is 100 MiB: a larger size prefix closes the connection
    at once, without the broker waiting for (or buffering) the body."""
    for size in (100 * 1024 * 1024 + 1, 0x7FFFFFFF):
        s = connect(broker)
        s.sendall(struct.pack(">i", size) + raw_header(18, 0) + b"\x00" * 1000)
        t0 = time.monotonic()
        assert_closed(s, f"frame size {size}")
        assert time.monotonic() - t0 < 5


def test_unknown_api_key_and_removed_versions(broker, served):
    # Unknown API key: Kafka cannot parse the header's API and closes the connection.
    for key in (9999, 200, -5):
        s = connect(broker)
        s.sendall(frame(raw_header(key, 0)))
        assert_closed(s, f"API key {key}")
    # Produce v2 (removed in 4.0 but advertised): connection closed, per FINDINGS a.
    s = connect(broker)
    body = struct.pack(">hi", -1, 30000) + struct.pack(">i", 0)  # acks, timeout, no topics
    s.sendall(frame(raw_header(0, 2) + body))
    assert_closed(s, "Produce v2")
    # A version above the API's range (Metadata v99): closed too.
    s = connect(broker)
    s.sendall(frame(raw_header(3, 99) + b"\x00" * 8))
    assert_closed(s, "Metadata v99")
    # ApiVersions v99 is Kafka's exception: UNSUPPORTED_VERSION in the v0 layout, and
    # the connection stays usable.
    s = connect(broker)
    # Flexible header (tagged-field byte) and a v3-style body, as the corpus case sends.
    s.sendall(frame(raw_header(18, 99, correlation_id=42) + b"\x00" + b"\x04e2e\x021\x00"))
    got = read_frame(s)
    assert got, "ApiVersions v99: connection closed"
    corr, body = kwire.decode_response(18, 0, got)
    assert corr == 42 and body["ErrorCode"] == 35, body
    assert [(a["ApiKey"], a["MinVersion"], a["MaxVersion"]) for a in body["ApiKeys"]] == [(18, 0, 4)]
    s.sendall(api_versions_frame(3, correlation_id=43))
    corr, body = kwire.decode_response(18, 3, read_frame(s))
    assert corr == 43 and body["ErrorCode"] == 0
    s.close()


def test_truncated_frames_then_hangup(broker, served):
    """Half a frame and then a close: nothing is left behind."""
    full = api_versions_frame()
    for cut in (1, 3, 4, 10, len(full) - 1):
        s = connect(broker)
        s.sendall(full[:cut])
        s.close()
    s = connect(broker)
    s.sendall(full)
    assert read_frame(s), "a complete ApiVersions after the truncated ones got no answer"
    s.close()


@pytest.mark.timeout(120)
def test_hundreds_of_connections_at_once(broker, served):
    n = 400
    socks = []
    try:
        for _ in range(n):
            socks.append(connect(broker))
        for i, s in enumerate(socks):  # every one sends at once, then all are read
            s.sendall(api_versions_frame(3, correlation_id=i))
        for i, s in enumerate(socks):
            s.settimeout(20)
            got = read_frame(s)
            assert got, f"connection {i} of {n} closed without an answer"
            corr, body = kwire.decode_response(18, 3, got)
            assert (corr, body["ErrorCode"]) == (i, 0)
        # All of them still open and idle: the well-behaved client is still served
        # (asserted by the `served` fixture), and so is a new connection now.
        c = kwire.Conn(broker.host, broker.port, timeout=10)
        assert c.call(18, 3, {"ClientSoftwareName": "x", "ClientSoftwareVersion": "1"})[2]["ErrorCode"] == 0
        c.close()
    finally:
        for s in socks:
            s.close()


@pytest.mark.timeout(90)
def test_one_byte_per_second(broker, served):
    """A client trickles an ApiVersions frame at one byte per second. Kafka does not
    time such a connection out while bytes keep coming (connections.max.idle.ms counts
    silence), so the broker may close it or answer it once complete; either way it
    must not hold up anyone else (the `served` fixture measures the well-behaved
    client's latency meanwhile)."""
    full = api_versions_frame(3, correlation_id=99)
    s = connect(broker)
    trickled = 12
    rounds_before = served.ok
    closed = False
    for i in range(trickled):
        try:
            s.sendall(full[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        time.sleep(1.0)  # the point of this test is the pace of the bad client
    assert served.ok - rounds_before >= 5, \
        f"well-behaved client did only {served.ok - rounds_before} rounds while the slow one trickled"
    if closed:
        print("slow client: closed by the broker while trickling")
        return
    try:
        s.sendall(full[trickled:])
    except (BrokenPipeError, ConnectionResetError):
        print("slow client: closed by the broker while trickling")
        return
    got = read_frame(s)
    if got:  # answered: it must be the right answer
        corr, body = kwire.decode_response(18, 3, got)
        assert (corr, body["ErrorCode"]) == (99, 0)
    print(f"slow client: {'answered once complete' if got else 'closed without an answer'}; "
          f"well-behaved rounds meanwhile: {served.ok - rounds_before}, "
          f"slowest {max(served.latencies) * 1000:.1f} ms")
    s.close()


def test_all_bad_clients_at_once(broker, served):
    """Every kind of bad input on many connections in parallel."""
    rnd = random.Random(3)
    bad_inputs = [rnd.randbytes(300), struct.pack(">i", 200 * 1024 * 1024), frame(raw_header(9999, 0)),
                  frame(raw_header(0, 2) + struct.pack(">hii", -1, 30000, 0)), struct.pack(">i", -7)]
    errors = []

    def attack(payload, n):
        try:
            s = connect(broker)
            s.sendall(payload)
            assert_closed(s, f"parallel bad input {n}")
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=attack, args=(bad_inputs[i % len(bad_inputs)], i))
               for i in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(CLOSE_DEADLINE + 10)
    assert not any(t.is_alive() for t in threads), "bad-client threads hung"
    assert not errors, errors[:5]
