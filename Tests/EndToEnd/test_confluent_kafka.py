"""confluent-kafka (librdkafka) with enable.idempotence=true and acks=all writes a few
thousand records over several partitions in every codec; a consumer with assign()
(consumer groups come later) reads everything back in order, and offsets, keys,
values, headers and timestamps match what the delivery reports acknowledged.

A raw Fetch then checks what the broker stored: contiguous batches in the producer's
codec, each carrying the idempotent producer's id and in-order sequence numbers.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from support import create_topic, fetch_all_batches, require_apis, unique

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
PARTITIONS = 4
PER_CODEC = 800  # 4000 records in all


def produce_all(bootstrap, topic, now_ms):
    """Returns {partition: [(offset, key, value, headers, timestamp)]} in delivery order."""
    acked = defaultdict(list)
    errors = []
    i = 0
    rnd = random.Random(7)
    for codec in CODECS:
        producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                             "acks": "all", "compression.type": codec, "linger.ms": 10,
                             "batch.num.messages": 200, "message.timeout.ms": 30000})
        for _ in range(PER_CODEC):
            partition = i % PARTITIONS
            key = None if i % 11 == 0 else f"key-{i}".encode()
            # Compressible, with a random tail: librdkafka sends a batch uncompressed when
            # compressing would not make it smaller, and every batch here must use its codec.
            size = rnd.choice([0, 3, 64, 700, 3000])
            value = None if i % 97 == 5 else ((f"value {i} " * (size // 8 + 1)).encode()[:size]
                                              + rnd.randbytes(min(size, 4)))
            headers = [("i", str(i).encode()), ("codec", codec.encode()), ("empty", b""),
                       ("null", None)]
            ts = now_ms - 3_600_000 + i  # explicit CreateTime, distinct per record

            def on_delivery(err, msg, key=key, value=value, headers=headers, ts=ts):
                if err is not None:
                    errors.append((err, msg.partition()))
                else:
                    acked[msg.partition()].append((msg.offset(), key, value, headers, ts))

            while True:
                try:
                    producer.produce(topic, key=key, value=value, partition=partition,
                                     headers=headers, timestamp=ts, on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            i += 1
        assert producer.flush(60) == 0, f"{codec}: records still in flight after 60 s"
    assert not errors, errors[:10]
    return acked


def consume_all(bootstrap, topic, expected_counts, timeout=60.0):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "causeway-e2e-unused",
                         "enable.auto.commit": False, "enable.auto.offset.store": False,
                         "enable.partition.eof": True, "fetch.wait.max.ms": 100})
    got = defaultdict(list)
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in expected_counts])
        deadline = time.monotonic() + timeout
        while any(len(got[p]) < n for p, n in expected_counts.items()):
            assert time.monotonic() < deadline, \
                f"read {dict((p, len(v)) for p, v in got.items())} of {expected_counts} in {timeout}s"
            for msg in consumer.consume(500, 0.5):
                if msg.error():
                    assert msg.error().code() == KafkaError._PARTITION_EOF, msg.error()
                    continue
                got[msg.partition()].append(msg)
    finally:
        consumer.close()
    return got


@pytest.mark.timeout(240)
def test_idempotent_producer_every_codec_read_back_in_order(broker_factory):
    broker = broker_factory(partitions=PARTITIONS)
    require_apis(broker, "Produce", "Fetch", "ListOffsets", "InitProducerId")
    topic = unique("ck-idem")
    create_topic(broker, topic, partitions=PARTITIONS)
    now = int(time.time() * 1000)

    acked = produce_all(broker.bootstrap, topic, now)
    assert sum(len(v) for v in acked.values()) == PER_CODEC * len(CODECS)
    for p, recs in acked.items():
        assert [r[0] for r in recs] == list(range(len(recs))), f"partition {p}: acked offsets not 0..n-1"

    got = consume_all(broker.bootstrap, topic, {p: len(v) for p, v in acked.items()})
    for p, recs in acked.items():
        msgs = got[p]
        assert len(msgs) == len(recs), (p, len(msgs), len(recs))
        for (offset, key, value, headers, ts), m in zip(recs, msgs):
            where = f"partition {p} offset {offset}"
            assert m.offset() == offset, where
            assert m.key() == key, where
            assert m.value() == value, where
            assert m.timestamp() == (1, ts), (where, m.timestamp())  # TIMESTAMP_CREATE_TIME
            # librdkafka gives an empty header value as b"" or None; a null one as None.
            got_headers = [(k, v if v else None) for k, v in (m.headers() or [])]
            assert got_headers == [(k, v if v else None) for k, v in headers], where

    # What the broker stored.
    for p, recs in acked.items():
        batches, part = fetch_all_batches(broker, topic, p)
        assert part["HighWatermark"] == len(recs)
        assert batches[0]["baseOffset"] == 0
        for prev, nxt in zip(batches, batches[1:]):
            assert nxt["baseOffset"] == prev["lastOffset"] + 1, (p, prev["lastOffset"], nxt["baseOffset"])
        producers, next_seq = [], {}  # [(producerId, codec)] in log order
        for b in batches:
            where = (p, b["baseOffset"])
            assert b["crcValid"], where
            pid = b["producerId"]
            assert pid >= 0, where
            if not producers or producers[-1][0] != pid:
                assert pid not in next_seq, f"producer id {pid} reappears at {where}"
                producers.append((pid, b["compression"]))
                next_seq[pid] = 0  # a new producer starts every partition at sequence 0
            assert b["compression"] == producers[-1][1], where
            assert b["baseSequence"] == next_seq[pid], (where, b["baseSequence"], next_seq[pid])
            next_seq[pid] += b["recordCount"]
            if "records" in b:  # none and gzip: kwire decodes them; empty and null headers differ
                for r in b["records"]:
                    assert [h[0] for h in r["headers"]] == ["i", "codec", "empty", "null"], where
                    assert r["headers"][2][1] == "" and r["headers"][3][1] is None, (where, r["headers"])
        # One idempotent producer per codec, in order, each batch in its producer's codec.
        assert [c for _, c in producers] == CODECS, (
            f"partition {p}: stored codec per producer, in log order, {[c for _, c in producers]}; "
            f"the producers used {CODECS}. librdkafka sends a batch uncompressed when it decides the broker lacks the codec (kcat -d feature shows why)")


@pytest.mark.timeout(120)
def test_multi_node_leaders(multi_node_broker):
    """Three nodes: the producer and consumer follow each partition to its leader."""
    broker = multi_node_broker
    require_apis(broker, "Produce", "Fetch", "ListOffsets", "InitProducerId")
    topic = unique("ck-multi")
    create_topic(broker, topic, partitions=6)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                         "acks": "all", "compression.type": "lz4", "linger.ms": 5})
    acked, errors = defaultdict(list), []
    for i in range(1200):
        producer.produce(topic, key=str(i).encode(), value=f"value-{i}".encode(), partition=i % 6,
                         on_delivery=lambda err, msg: errors.append(err) if err else
                         acked[msg.partition()].append((msg.offset(), msg.key(), msg.value())))
        producer.poll(0)
    assert producer.flush(60) == 0
    assert not errors, errors[:5]
    got = consume_all(broker.bootstrap, topic, {p: len(v) for p, v in acked.items()})
    for p in range(6):
        assert [(m.offset(), m.key(), m.value()) for m in got[p]] == acked[p]
        assert [o for o, _, _ in acked[p]] == list(range(200))


def test_admin_client_lists_topics(broker_factory):
    """librdkafka 2.16's AdminClient sends Metadata v13 with three bytes past the body;
    Kafka reads the fields of the version and ignores the rest, and so must we."""
    from confluent_kafka.admin import AdminClient

    broker = broker_factory(partitions=2)
    topic = unique("listed")
    create_topic(broker, topic, partitions=2)
    metadata = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=20)
    assert topic in metadata.topics
    assert sorted(metadata.topics[topic].partitions) == [0, 1]
    assert metadata.brokers, "the brokers are listed"
