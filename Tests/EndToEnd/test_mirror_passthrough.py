"""The design's premise on two embedded brokers: a batch fetched from one, with its
baseOffset zeroed and produced unchanged to the other, lands at the same offset with
bytes 21..end identical (DESIGN "How offsets survive a stock Produce API"; FINDINGS d).

Source data comes from kcat in all five codecs and from an idempotent confluent-kafka
producer; the copy is a raw Fetch/Produce loop with kwire; the independent checker
`../shared/kafka-conformance/compare_clusters.py` must then find every batch
byte-identical, nothing missing, nothing extra.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from support import CONFORMANCE_DIR, create_topic, fetch_all_batches, kwire, require_apis, unique

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def produce_batch(broker, topic, partition, batch):
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(0, 9, {"TransactionalId": None, "Acks": -1, "TimeoutMs": 10000,
                                "TopicData": [{"Name": topic, "PartitionData": [
                                    {"Index": partition, "Records": batch}]}]})
    finally:
        c.close()
    assert d is not None, "Produce: connection closed"
    return d["Responses"][0]["PartitionResponses"][0]


def compare_clusters(src, dst, topic):
    p = subprocess.run([sys.executable, str(CONFORMANCE_DIR / "compare_clusters.py"), src.bootstrap,
                        dst.bootstrap, "--topic", topic, "--json"],
                       capture_output=True, text=True, timeout=60)
    lines = p.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
    return p.returncode, summary, p.stdout + p.stderr


@pytest.mark.timeout(150)
def test_zeroed_batches_keep_offsets_and_bytes(broker_factory):
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    require_apis(src, "Produce", "Fetch", "ListOffsets")
    kcat = shutil.which("kcat")
    topic = unique("mirror")
    for b in (src, dst):
        create_topic(b, topic, partitions=2, configs={"compression.type": "producer",
                                                      "message.timestamp.type": "CreateTime"})
    # Source: kcat batches in every codec on partition 0, idempotent batches on partition 1.
    if kcat:
        for codec in CODECS:
            lines = "".join(f"k{codec}{i}|{codec} value {i} " + "x" * (i * 13 % 300) + "\n"
                            for i in range(200)).encode()
            subprocess.run([kcat, "-P", "-b", src.bootstrap, "-t", topic, "-p", "0", "-z", codec,
                            "-K", "|", "-H", f"codec={codec}"], input=lines, check=True, timeout=60,
                           capture_output=True)
    from confluent_kafka import Producer
    for codec in CODECS:
        p = Producer({"bootstrap.servers": src.bootstrap, "enable.idempotence": True, "acks": "all",
                      "compression.type": codec, "linger.ms": 5})
        for i in range(300):
            p.produce(topic, key=f"{codec}-{i}".encode(), value=(f"{codec}:{i}:" * 20).encode(), partition=1)
        assert p.flush(30) == 0

    copied = 0
    for partition in (0, 1):
        batches, part = fetch_all_batches(src, topic, partition)
        assert batches, f"nothing on the source partition {partition}"
        for b in batches:
            raw = bytearray(bytes.fromhex(b["raw"]))
            raw[0:8] = b"\x00" * 8  # baseOffset is outside the CRC
            r = produce_batch(dst, topic, partition, bytes(raw))
            assert r["ErrorCode"] == 0, (partition, b["baseOffset"], kwire.err(r["ErrorCode"]))
            # The mirror's offset check: the destination assigned the source offset.
            assert r["BaseOffset"] == b["baseOffset"], (partition, b["baseOffset"], r["BaseOffset"])
            copied += 1
        mirrored, dpart = fetch_all_batches(dst, topic, partition)
        assert dpart["HighWatermark"] == part["HighWatermark"]
        assert [m["baseOffset"] for m in mirrored] == [b["baseOffset"] for b in batches]
        for m, b in zip(mirrored, batches):
            assert bytes.fromhex(m["raw"])[21:] == bytes.fromhex(b["raw"])[21:], \
                f"partition {partition} batch {b['baseOffset']}: bytes 21..end changed"
    code, summary, out = compare_clusters(src, dst, topic)
    assert code == 0, out
    assert summary["exact"] == copied and summary["missing"] == summary["mismatch"] == summary["extra"] == 0, out

    # The checker is not blind on this broker: an extra record on the destination fails it.
    extra = kwire.build_batch([{"key": "intruder", "value": "not from the source"}])
    assert produce_batch(dst, topic, 0, extra)["ErrorCode"] == 0
    code, summary, out = compare_clusters(src, dst, topic)
    assert code == 1 and summary["extra"] == 1, out

    # Last, so the checks above run regardless: the source really held all five codecs.
    if kcat:
        codecs = {b["compression"] for b in fetch_all_batches(src, topic, 0)[0]}
        assert codecs == set(CODECS), f"kcat batches on the source use {sorted(codecs)}"


@pytest.mark.timeout(60)
def test_two_batches_in_one_request_rejected(broker):
    """FINDINGS d: two batches for one partition in one Produce: INVALID_RECORD, nothing appended."""
    require_apis(broker, "Produce", "Fetch", "ListOffsets")
    topic = unique("mirror-two")
    create_topic(broker, topic)
    two = kwire.build_batch([{"value": "a"}]) + kwire.build_batch([{"value": "b"}])
    r = produce_batch(broker, topic, 0, two)
    assert r["ErrorCode"] == 87, kwire.err(r["ErrorCode"])
    _, part = fetch_all_batches(broker, topic)
    assert part["HighWatermark"] == 0
