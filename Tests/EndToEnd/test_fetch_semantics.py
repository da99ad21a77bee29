"""What the conformance corpus does not cover because it only holds sessionless,
non-waiting fetches: Fetch long-poll (MaxWaitMs/MinBytes), incremental fetch sessions
(KIP-227), fetching past the high watermark, ListOffsets by timestamp and max
timestamp (KIP-734), and DescribeProducers (KIP-664), on the wire with kwire.
"""

from __future__ import annotations

import threading
import time

import pytest

from support import create_topic, kwire, require_apis, unique

OFFSET_OUT_OF_RANGE, FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH = 1, 70, 71


def fetch_body(topic, partitions, offset=0, max_wait=0, min_bytes=0, session_id=0, epoch=-1,
               forgotten=()):
    return {"ReplicaId": -1, "MaxWaitMs": max_wait, "MinBytes": min_bytes, "MaxBytes": 1 << 20,
            "IsolationLevel": 0, "SessionId": session_id, "SessionEpoch": epoch,
            "Topics": [{"Topic": topic, "Partitions": [
                {"Partition": p, "CurrentLeaderEpoch": -1, "FetchOffset": offset, "LastFetchedEpoch": -1,
                 "LogStartOffset": -1, "PartitionMaxBytes": 1 << 20} for p in partitions]}] if partitions else [],
            "ForgottenTopicsData": [{"Topic": topic, "Partitions": list(forgotten)}] if forgotten else [],
            "RackId": ""}


def produce(broker, topic, partition, records, **batch_args):
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(0, 9, {"TransactionalId": None, "Acks": -1, "TimeoutMs": 10000,
                                "TopicData": [{"Name": topic, "PartitionData": [
                                    {"Index": partition, "Records": kwire.build_batch(records, **batch_args)}]}]})
    finally:
        c.close()
    r = d["Responses"][0]["PartitionResponses"][0]
    assert r["ErrorCode"] == 0, kwire.err(r["ErrorCode"])
    return r["BaseOffset"]


def partitions_of(body):
    return {(t["Topic"], p["PartitionIndex"]): p for t in body["Responses"] for p in t["Partitions"]}


@pytest.fixture
def topic(broker):
    require_apis(broker, "Produce", "Fetch", "ListOffsets")
    name = unique("fetchsem")
    create_topic(broker, name, partitions=2)
    return name


@pytest.mark.timeout(60)
def test_long_poll_wakes_on_produce(broker, topic):
    """MaxWaitMs 8 s, MinBytes 1 on an empty partition: a record produced 0.5 s later
    is returned right away, not at the deadline."""
    timer = threading.Timer(0.5, produce, (broker, topic, 0, [{"key": "k", "value": "wake"}]))
    c = kwire.Conn(broker.host, broker.port, timeout=20)
    try:
        t0 = time.monotonic()
        timer.start()
        _, _, d = c.call(1, 12, fetch_body(topic, [0], max_wait=8000, min_bytes=1))
        elapsed = time.monotonic() - t0
    finally:
        timer.join(10)
        c.close()
    p = partitions_of(d)[(topic, 0)]
    assert p["ErrorCode"] == 0 and p["HighWatermark"] == 1
    [batch] = kwire.parse_batches(p["Records"])
    assert batch["records"][0]["value"] == b"wake".hex()
    assert 0.4 <= elapsed < 3.0, f"long poll answered after {elapsed:.2f}s (data came at 0.5s)"


@pytest.mark.timeout(60)
def test_long_poll_times_out_empty(broker, topic):
    c = kwire.Conn(broker.host, broker.port, timeout=20)
    try:
        t0 = time.monotonic()
        _, _, d = c.call(1, 12, fetch_body(topic, [0, 1], max_wait=1500, min_bytes=1))
        elapsed = time.monotonic() - t0
    finally:
        c.close()
    assert d["ErrorCode"] == 0
    assert all(p["ErrorCode"] == 0 and not p["Records"] for p in partitions_of(d).values())
    assert 1.3 <= elapsed < 4.0, f"empty long poll of 1.5 s answered after {elapsed:.2f}s"


@pytest.mark.timeout(60)
def test_min_bytes_waits_for_enough_data(broker, topic):
    """MinBytes larger than one small batch: the fetch waits until enough has been
    written (or the deadline)."""
    produce(broker, topic, 0, [{"value": "small"}])

    def more():
        produce(broker, topic, 0, [{"value": "x" * 2000}])

    timer = threading.Timer(0.6, more)
    c = kwire.Conn(broker.host, broker.port, timeout=20)
    try:
        t0 = time.monotonic()
        timer.start()
        _, _, d = c.call(1, 12, fetch_body(topic, [0], max_wait=8000, min_bytes=1500))
        elapsed = time.monotonic() - t0
    finally:
        timer.join(10)
        c.close()
    p = partitions_of(d)[(topic, 0)]
    assert [b["baseOffset"] for b in kwire.parse_batches(p["Records"])] == [0, 1]
    assert 0.5 <= elapsed < 3.0, f"MinBytes fetch answered after {elapsed:.2f}s (enough data at 0.6s)"


@pytest.mark.timeout(60)
def test_incremental_fetch_session(broker, topic):
    produce(broker, topic, 0, [{"value": "p0-a"}])
    produce(broker, topic, 1, [{"value": "p1-a"}])
    c = kwire.Conn(broker.host, broker.port, timeout=20)
    try:
        # Full fetch that opens a session (SessionId 0, epoch 0).
        _, _, d = c.call(1, 12, fetch_body(topic, [0, 1], session_id=0, epoch=0))
        assert d["ErrorCode"] == 0
        session = d["SessionId"]
        assert session != 0, "no fetch session created"
        full = partitions_of(d)
        assert set(full) == {(topic, 0), (topic, 1)}
        # Incremental, nothing new, the partitions are not repeated: empty answer.
        # (Offsets advance in the session: the next fetch position is 1 on both.)
        _, _, d = c.call(1, 12, {**fetch_body(topic, [0, 1], offset=1, session_id=session, epoch=1)})
        assert d["ErrorCode"] == 0 and d["SessionId"] == session
        assert partitions_of(d) == {}, f"unchanged partitions returned: {list(partitions_of(d))}"
        # New data on partition 1 only: only partition 1 comes back.
        produce(broker, topic, 1, [{"value": "p1-b"}])
        _, _, d = c.call(1, 12, fetch_body(topic, [], session_id=session, epoch=2))
        assert d["ErrorCode"] == 0
        got = partitions_of(d)
        assert set(got) == {(topic, 1)}, list(got)
        assert got[(topic, 1)]["HighWatermark"] == 2
        assert [b["baseOffset"] for b in kwire.parse_batches(got[(topic, 1)]["Records"])] == [1]
        # Wrong epoch, unknown session.
        _, _, d = c.call(1, 12, fetch_body(topic, [], session_id=session, epoch=7))
        assert d["ErrorCode"] == INVALID_FETCH_SESSION_EPOCH, kwire.err(d["ErrorCode"])
        _, _, d = c.call(1, 12, fetch_body(topic, [], session_id=session ^ 0x5A5A5A, epoch=1))
        assert d["ErrorCode"] == FETCH_SESSION_ID_NOT_FOUND, kwire.err(d["ErrorCode"])
        # Sessionless (epoch -1): a full answer and SessionId 0.
        _, _, d = c.call(1, 12, fetch_body(topic, [0, 1], epoch=-1))
        assert d["ErrorCode"] == 0 and d["SessionId"] == 0
        assert set(partitions_of(d)) == {(topic, 0), (topic, 1)}
    finally:
        c.close()


@pytest.mark.timeout(30)
def test_fetch_past_high_watermark(broker, topic):
    produce(broker, topic, 0, [{"value": "a"}, {"value": "b"}])
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(1, 12, fetch_body(topic, [0], offset=2))
        p = partitions_of(d)[(topic, 0)]
        assert (p["ErrorCode"], p["HighWatermark"]) == (0, 2) and not p["Records"]  # at the HW: empty
        _, _, d = c.call(1, 12, fetch_body(topic, [0], offset=3))
        assert partitions_of(d)[(topic, 0)]["ErrorCode"] == OFFSET_OUT_OF_RANGE
    finally:
        c.close()


@pytest.mark.timeout(30)
def test_list_offsets_by_timestamp(broker, topic):
    now = int(time.time() * 1000)
    stamps = [now - 50_000, now - 10_000, now - 40_000, now - 20_000]  # max at offset 1
    for i, ts in enumerate(stamps):
        assert produce(broker, topic, 0, [{"value": f"v{i}"}], base_timestamp=ts) == i

    def lookup(ts):
        c = kwire.Conn(broker.host, broker.port)
        try:
            _, _, d = c.call(2, 9, {"ReplicaId": -1, "IsolationLevel": 0, "Topics": [
                {"Name": topic, "Partitions": [{"PartitionIndex": 0, "CurrentLeaderEpoch": -1,
                                                "Timestamp": ts}]}]})
        finally:
            c.close()
        p = d["Topics"][0]["Partitions"][0]
        assert p["ErrorCode"] == 0, kwire.err(p["ErrorCode"])
        return p["Offset"], p["Timestamp"]

    assert lookup(-2) == (0, -1)
    assert lookup(-1) == (4, -1)
    assert lookup(-3) == (1, now - 10_000)           # max timestamp (KIP-734)
    assert lookup(now - 45_000) == (1, now - 10_000)  # first offset with timestamp >= target
    assert lookup(now - 15_000) == (1, now - 10_000)
    assert lookup(now - 60_000) == (0, now - 50_000)
    assert lookup(now) == (-1, -1)                    # nothing that late


@pytest.mark.timeout(30)
def test_describe_producers(broker, topic):
    require_apis(broker, "DescribeProducers")
    produce(broker, topic, 0, [{"value": "a"}, {"value": "b"}], producer_id=4242, producer_epoch=3,
            base_sequence=10)
    produce(broker, topic, 0, [{"value": "c"}], producer_id=4242, producer_epoch=3, base_sequence=12)
    produce(broker, topic, 0, [{"value": "plain"}])
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(61, 0, {"Topics": [{"Name": topic, "PartitionIndexes": [0, 1, 7]}]})
    finally:
        c.close()
    parts = {p["PartitionIndex"]: p for p in d["Topics"][0]["Partitions"]}
    assert parts[0]["ErrorCode"] == 0
    assert [(a["ProducerId"], a["ProducerEpoch"], a["LastSequence"], a["CurrentTxnStartOffset"])
            for a in parts[0]["ActiveProducers"]] == [(4242, 3, 12, -1)]
    assert parts[1]["ErrorCode"] == 0 and parts[1]["ActiveProducers"] == []
    assert parts[7]["ErrorCode"] == 3  # UNKNOWN_TOPIC_OR_PARTITION
