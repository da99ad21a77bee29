"""Helpers shared by the end-to-end tests: the conformance harness (kwire), API
discovery, topic creation and raw reads, all with deadlines."""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import pytest

from broker_process import PACKAGE_ROOT, wait_until

# The harness lives beside the repository (../shared relative to the package root).
CONFORMANCE_DIR = (PACKAGE_ROOT / ".." / "shared" / "kafka-conformance").resolve()
if str(CONFORMANCE_DIR) not in sys.path:
    sys.path.insert(0, str(CONFORMANCE_DIR))
import kwire  # noqa: E402

API = {"Produce": 0, "Fetch": 1, "ListOffsets": 2, "Metadata": 3, "CreateTopics": 19,
       "DeleteTopics": 20, "DeleteRecords": 21, "InitProducerId": 22, "DescribeConfigs": 32,
       "CreatePartitions": 37, "IncrementalAlterConfigs": 44, "DescribeProducers": 61,
       "DescribeCluster": 60}
API_NAME = {v: k for k, v in API.items()}


BROKERS = pytest.StashKey[list]()


def register(request, broker):
    """Attach a broker to the running test so its log lands in a failure report."""
    request.node.stash.setdefault(BROKERS, []).append(broker)


def conn(broker, node: int = 0, timeout: float = 30.0) -> "kwire.Conn":
    host, port = broker.addresses[node]
    return kwire.Conn(host, port, timeout=timeout)


def api_versions(broker) -> dict[int, tuple[int, int]]:
    """{api_key: (min, max)} as the broker advertises them (ApiVersions v3)."""
    c = conn(broker)
    try:
        _, _, body = c.call(18, 3, {"ClientSoftwareName": "causeway-e2e",
                                    "ClientSoftwareVersion": "1"})
    finally:
        c.close()
    assert body is not None and body["ErrorCode"] == 0, body
    return {a["ApiKey"]: (a["MinVersion"], a["MaxVersion"]) for a in body["ApiKeys"]}


def require_apis(broker, *names: str, versions: dict[str, int] | None = None):
    """Skips the calling test when the broker does not advertise an API it needs yet
    (Produce/Fetch/ListOffsets are landing separately). test_broker_advertises_part1_apis
    fails meanwhile, so a broker that stops advertising them is not hidden by skips."""
    adv = api_versions(broker)
    missing = [n for n in names if API[n] not in adv]
    if missing:
        pytest.skip(f"broker does not serve {', '.join(missing)} yet (not in its ApiVersions)")
    for n, v in (versions or {}).items():
        lo, hi = adv[API[n]]
        if not lo <= v <= hi:
            pytest.skip(f"broker advertises {n} {lo}-{hi}, test needs v{v}")


def create_topic(broker, name: str, partitions: int = 1, configs: dict | None = None,
                 timeout: float = 15.0):
    """CreateTopics v7 and wait until every partition has a leader in Metadata."""
    c = conn(broker)
    try:
        _, _, body = c.call(19, 7, {
            "Topics": [{"Name": name, "NumPartitions": partitions, "ReplicationFactor": -1,
                        "Assignments": [],
                        "Configs": [{"Name": k, "Value": str(v)} for k, v in (configs or {}).items()]}],
            "TimeoutMs": 30000, "ValidateOnly": False})
        err = body["Topics"][0]["ErrorCode"]
        assert err == 0, f"CreateTopics {name}: {kwire.err(err)} {body['Topics'][0].get('ErrorMessage')}"
        assert kwire.wait_for_topics(c, [name], timeout), f"topic {name} has no leader after {timeout}s"
    finally:
        c.close()


def leaders(broker, topic: str) -> dict[int, int]:
    """{partition: leader node id} from Metadata v12."""
    c = conn(broker)
    try:
        _, _, d = c.call(3, 12, {"Topics": [{"Name": topic}], "AllowAutoTopicCreation": False,
                                 "IncludeTopicAuthorizedOperations": False})
    finally:
        c.close()
    t = d["Topics"][0]
    assert t["ErrorCode"] == 0, kwire.err(t["ErrorCode"])
    return {p["PartitionIndex"]: p["LeaderId"] for p in t["Partitions"]}


def node_index(broker, node_id: int) -> int:
    """Index in broker.addresses of the node with this id (from Metadata brokers)."""
    c = conn(broker)
    try:
        _, _, d = c.call(3, 12, {"Topics": [], "AllowAutoTopicCreation": False,
                                 "IncludeTopicAuthorizedOperations": False})
    finally:
        c.close()
    for b in d["Brokers"]:
        if b["NodeId"] == node_id:
            return broker.addresses.index((b["Host"], b["Port"]))
    raise AssertionError(f"node {node_id} not in Metadata brokers {d['Brokers']}")


def list_offset(broker, topic: str, partition: int, timestamp: int, node: int | None = None) -> dict:
    """ListOffsets v9 for one partition (-1 latest, -2 earliest); returns the partition dict."""
    if node is None:
        node = node_index(broker, leaders(broker, topic)[partition])
    c = conn(broker, node)
    try:
        _, _, d = c.call(2, 9, {"ReplicaId": -1, "IsolationLevel": 0, "Topics": [
            {"Name": topic, "Partitions": [{"PartitionIndex": partition, "CurrentLeaderEpoch": -1,
                                            "Timestamp": timestamp}]}]})
    finally:
        c.close()
    return d["Topics"][0]["Partitions"][0]


def fetch_all_batches(broker, topic: str, partition: int = 0, start: int = 0,
                      timeout: float = 30.0, node: int | None = None) -> tuple[list[dict], dict]:
    """Raw Fetch v12 from `start` to the high watermark: (parsed batches, last partition
    response). Independent of any client library: this is how tests read back exact
    offsets and bytes."""
    if node is None:
        node = node_index(broker, leaders(broker, topic)[partition])
    c = conn(broker, node)
    batches, offset, last = [], start, None
    deadline = time.monotonic() + timeout
    try:
        while True:
            assert time.monotonic() < deadline, f"fetch of {topic}-{partition} not done in {timeout}s"
            _, _, d = c.call(1, 12, {
                "ReplicaId": -1, "MaxWaitMs": 0, "MinBytes": 0, "MaxBytes": 64 << 20,
                "IsolationLevel": 0, "SessionId": 0, "SessionEpoch": -1,
                "Topics": [{"Topic": topic, "Partitions": [{
                    "Partition": partition, "CurrentLeaderEpoch": -1, "FetchOffset": offset,
                    "LastFetchedEpoch": -1, "LogStartOffset": -1,
                    "PartitionMaxBytes": 16 << 20}]}],
                "ForgottenTopicsData": [], "RackId": ""})
            assert d is not None, "broker closed the connection on Fetch"
            assert d["ErrorCode"] == 0, kwire.err(d["ErrorCode"])
            last = d["Responses"][0]["Partitions"][0]
            assert last["ErrorCode"] == 0, f"Fetch {topic}-{partition}@{offset}: {kwire.err(last['ErrorCode'])}"
            got = kwire.parse_batches(last["Records"] or b"")
            got = [b for b in got if b["baseOffset"] + b["lastOffsetDelta"] >= offset]
            batches += got
            if got:
                offset = got[-1]["baseOffset"] + got[-1]["lastOffsetDelta"] + 1
            if offset >= last["HighWatermark"]:
                return batches, last
            assert got, f"Fetch {topic}-{partition}@{offset} returned nothing below HW {last['HighWatermark']}"
    finally:
        c.close()


def decompress(codec: str, data: bytes) -> bytes:
    """The records section of a batch, uncompressed. gzip from the standard library;
    snappy (xerial framing or raw), lz4 (frame) and zstd need `cramjam` (PyPI)."""
    if codec == "none":
        return data
    if codec == "gzip":
        import gzip
        return gzip.decompress(data)
    try:
        import cramjam
    except ImportError:  # pragma: no cover - reported as the failure it causes
        raise AssertionError(f"comparing {codec} record sections needs `pip install cramjam`") from None
    if codec == "snappy":
        if data[:8] == b"\x82SNAPPY\x00":  # xerial: 16-byte header, then (int32 length, block)*
            out, pos = bytearray(), 16
            while pos < len(data):
                (n,) = struct.unpack(">i", data[pos:pos + 4])
                out += bytes(cramjam.snappy.decompress_raw(data[pos + 4:pos + 4 + n]))
                pos += 4 + n
            return bytes(out)
        return bytes(cramjam.snappy.decompress_raw(data))
    if codec == "lz4":
        return bytes(cramjam.lz4.decompress(data))
    if codec == "zstd":
        return bytes(cramjam.zstd.decompress(data))
    raise ValueError(f"unknown codec {codec}")


def unique(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns() % 10**12}"


__all__ = ["kwire", "decompress", "API", "API_NAME", "conn", "api_versions", "require_apis", "create_topic",
           "leaders", "node_index", "list_offset", "fetch_all_batches", "wait_until", "unique"]
