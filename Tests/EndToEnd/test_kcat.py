"""kcat (librdkafka 2.0.2, Debian's) produces and consumes through the embedded broker
with every codec, keys, headers and timestamps, and reads back exactly what it wrote at
offsets 0..n-1.

kcat 1.7.1 cannot set a per-message timestamp when producing, so timestamps are
checked two ways: kcat-produced records carry CreateTime stamps taken while kcat ran;
records produced by confluent-kafka with explicit timestamps come back from kcat with
those exact timestamps.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time

import pytest

from support import create_topic, fetch_all_batches, require_apis, unique

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
KCAT = shutil.which("kcat") or shutil.which("kafkacat")
KCAT_TIMEOUT = 60
HEADERS = [("trace", "abc-123"), ("dup", "first"), ("dup", "second"), ("utf8", "ünïcødé ✓")]

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")


def kcat(*args, stdin: bytes | None = None, timeout: float = KCAT_TIMEOUT) -> bytes:
    cmd = [KCAT, "-m", "10", *args]
    try:
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{' '.join(cmd)} did not finish in {timeout}s; stderr: "
                             f"{(e.stderr or b'').decode(errors='replace')[-2000:]}") from None
    assert p.returncode == 0, (f"{' '.join(cmd)} exited {p.returncode}; stderr:\n"
                               f"{p.stderr.decode(errors='replace')[-3000:]}")
    return p.stdout


def make_records(n: int, seed: int) -> list[tuple[str | None, str]]:
    """(key, value) pairs; every 7th has no key. Values vary in size up to ~6 KiB so
    compressed batches hold several records and compression has something to do."""
    rnd = random.Random(seed)
    words = ["causeway", "offset", "mirror", "kafka", "batch", "ünïcødé", "zstd", "\t-tab", "x"]
    out = []
    for i in range(n):
        key = None if i % 7 == 3 else f"key-{i}-{rnd.randrange(1000)}"
        size = rnd.choice([0, 1, 10, 100, 1000, 6000])
        value = f"v{i}:" + " ".join(rnd.choice(words) for _ in range(size // 6 + 1))
        out.append((key, value.replace("|", "/")))
    return out


def produce_lines(records) -> bytes:
    # -K '|' splits key from value; a line without '|' is produced with a null key.
    return "".join((f"{k}|{v}" if k is not None else v) + "\n" for k, v in records).encode()


def header_args():
    return [a for k, v in HEADERS for a in ("-H", f"{k}={v}")]


def consume_json(broker, topic, partition, count):
    out = kcat("-C", "-b", broker.bootstrap, "-t", topic, "-p", str(partition), "-o", "beginning",
               "-e", "-c", str(count), "-J", "-q")
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def assert_headers(got_headers):
    # -J prints headers as a flat [k, v, k, v, ...] list, in order.
    pairs = list(zip(got_headers[0::2], got_headers[1::2]))
    assert pairs == HEADERS, pairs


@pytest.mark.timeout(120)
@pytest.mark.parametrize("codec", CODECS)
def test_produce_consume_json(broker, codec):
    require_apis(broker, "Produce", "Fetch", "ListOffsets")
    topic = unique(f"kcat-{codec}")
    create_topic(broker, topic)
    records = make_records(300, seed=CODECS.index(codec))
    before = int(time.time() * 1000)
    kcat("-P", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-z", codec, "-K", "|",
         *header_args(), "-X", "linger.ms=50", stdin=produce_lines(records))
    after = int(time.time() * 1000)

    got = consume_json(broker, topic, 0, len(records))
    assert [m["offset"] for m in got] == list(range(len(records)))
    for (key, value), m in zip(records, got):
        assert (m["key"], m["payload"]) == (key, value), m["offset"]
        assert m["partition"] == 0 and m["topic"] == topic
        assert m["tstype"] == "create", m
        assert before - 1000 <= m["ts"] <= after + 1000, (m["ts"], before, after)
        assert_headers(m["headers"])

    # What is stored: contiguous batches, each in the codec kcat used (compression.type=producer).
    batches, part = fetch_all_batches(broker, topic)
    assert part["HighWatermark"] == len(records)
    assert batches[0]["baseOffset"] == 0
    for prev, nxt in zip(batches, batches[1:]):
        assert nxt["baseOffset"] == prev["lastOffset"] + 1
    stored = sorted({b["compression"] for b in batches})
    assert stored == [codec], (f"kcat -z {codec}: stored batches use {stored}. librdkafka sends a batch uncompressed when it decides the broker lacks the codec (kcat -d feature shows why)")
    assert all(b["crcValid"] for b in batches)


@pytest.mark.timeout(120)
def test_consume_with_format_string(broker):
    """-f with offsets, key length, keys, values, timestamps and headers (n=v CSV)."""
    require_apis(broker, "Produce", "Fetch", "ListOffsets")
    topic = unique("kcat-fmt")
    create_topic(broker, topic)
    records = [(f"k{i}", f"value {i} " + "z" * (i * 37 % 500)) for i in range(150)]
    records[10] = (None, "no key here")
    kcat("-P", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-z", "lz4", "-K", "|",
         "-H", "a=1", "-H", "b=two", stdin=produce_lines(records))
    out = kcat("-C", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e",
               "-c", str(len(records)), "-q", "-f", r"%o\x1f%K\x1f%k\x1f%s\x1f%T\x1f%h\x1e")
    rows = [r.split("\x1f") for r in out.decode().split("\x1e") if r]
    assert len(rows) == len(records)
    for i, ((key, value), (off, klen, k, v, ts, hdrs)) in enumerate(zip(records, rows)):
        assert int(off) == i
        assert int(klen) == (-1 if key is None else len(key.encode()))
        assert k == (key or "") and v == value
        assert int(ts) > 0
        assert hdrs == "a=1,b=two"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("codec", ["none", "zstd"])
def test_explicit_timestamps_read_by_kcat(broker, codec):
    """confluent-kafka writes explicit CreateTime stamps (some in the past, one near the
    1-hour future limit); kcat reads them back unchanged."""
    from confluent_kafka import Producer

    require_apis(broker, "Produce", "Fetch", "ListOffsets")
    topic = unique(f"kcat-ts-{codec}")
    create_topic(broker, topic)
    now = int(time.time() * 1000)
    stamps = [now - 86_400_000 * 30, now - 1, now + 3_000_000, now - 5000, 1]  # 0 means "now" to librdkafka
    p = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": codec,
                  "linger.ms": 20, "acks": "all"})
    errors = []
    for i, ts in enumerate(stamps):
        p.produce(topic, key=f"k{i}", value=f"v{i}", partition=0, timestamp=ts,
                  headers=[("i", str(i).encode())],
                  on_delivery=lambda err, msg: err and errors.append(err))
    assert p.flush(30) == 0, "records still in flight after 30 s"
    assert not errors, errors
    got = consume_json(broker, topic, 0, len(stamps))
    assert [(m["offset"], m["key"], m["payload"], m["ts"], m["headers"]) for m in got] == \
        [(i, f"k{i}", f"v{i}", ts, ["i", str(i)]) for i, ts in enumerate(stamps)]


@pytest.mark.timeout(150)
def test_multi_node_every_partition(multi_node_broker):
    """Three nodes, three partitions: kcat follows each partition to its leader."""
    broker = multi_node_broker
    require_apis(broker, "Produce", "Fetch", "ListOffsets")
    topic = unique("kcat-multi")
    create_topic(broker, topic, partitions=3)
    for p in range(3):
        records = [(f"p{p}-k{i}", f"p{p}-v{i}") for i in range(40 + p)]
        kcat("-P", "-b", broker.bootstrap, "-t", topic, "-p", str(p), "-z", "gzip", "-K", "|",
             *header_args(), stdin=produce_lines(records))
        got = consume_json(broker, topic, p, len(records))
        assert [(m["offset"], m["key"], m["payload"]) for m in got] == \
            [(i, k, v) for i, (k, v) in enumerate(records)]
        for m in got:
            assert_headers(m["headers"])
