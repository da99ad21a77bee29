"""Source transactions mirrored by `causeway run` (DESIGN "Transactions need care"):
confluent-kafka transactional producers commit some transactions and abort others,
interleaved with each other and with an idempotent producer, over several partitions.

On the destination every offset holds the same thing as on the source: data records
identical (compare_clusters.py counts them record-identical: the producer ids differ),
markers of the same outcome at the same offsets, and a read_committed consumer sees
exactly the committed records a read_committed consumer of the source sees. The second
test SIGKILLs the daemon again and again while transactions are being written, so
replays are interrupted half-way and must be continued, not redone.
"""

from __future__ import annotations

import os
import random
import threading
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from link_support import Offsets, compare_clusters, status_json, wait_caught_up, write_link_config
from support import create_topic
from support import unique
from test_transactions import txn_producer

PREFIX = "txl."
TOPIC = f"{PREFIX}orders"
PARTITIONS = 3


def write_transactions(bootstrap: str, tag: str, transactions: int, stop: threading.Event | None = None) -> int:
    """Two transactional producers interleave their transactions (one commits, every
    third of the other's aborts) while an idempotent producer writes between them.
    Returns how many records the committed transactions and the idempotent producer wrote."""
    first = txn_producer(bootstrap, f"{tag}-a")
    second = txn_producer(bootstrap, f"{tag}-b")
    plain = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 1})
    committed = 0
    try:
        for n in range(transactions):
            if stop is not None and stop.is_set():
                break
            first.begin_transaction()
            second.begin_transaction()
            for i in range(6):
                partition = (n + i) % PARTITIONS
                first.produce(TOPIC, value=f"{tag} a{n}.{i}".encode(), partition=partition)
                second.produce(TOPIC, value=f"{tag} b{n}.{i}".encode(), partition=(partition + 1) % PARTITIONS)
                if i % 2 == 0:
                    plain.produce(TOPIC, value=f"{tag} p{n}.{i}".encode(), partition=partition)
                first.flush(10)
                second.flush(10)
            plain.flush(10)
            first.commit_transaction(30)
            committed += 6 + 3
            if n % 3 == 2:
                second.abort_transaction(30)
            else:
                second.commit_transaction(30)
                committed += 6
    finally:
        plain.flush(10)
    return committed


def committed_view(bootstrap: str, end_offsets: dict) -> list[tuple[int, int, str]]:
    """(partition, offset, value) of every record a read_committed consumer gets, read
    in bulk up to the partitions' current ends."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("committed"), "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    seen: list[tuple[int, int, str]] = []
    last = {p: -1 for p in range(PARTITIONS)}
    deadline = time.monotonic() + 60
    try:
        # Offsets past the last record (markers, aborted data) are never delivered, so
        # stop once each partition's position has reached its end offset.
        while time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=1000, timeout=0.5):
                if msg.error() is None:
                    seen.append((msg.partition(), msg.offset(), msg.value().decode()))
                    last[msg.partition()] = msg.offset()
            positions = consumer.position([TopicPartition(TOPIC, p) for p in range(PARTITIONS)])
            if all(tp.offset >= end_offsets[(TOPIC, tp.partition)][1] for tp in positions):
                return seen
        raise AssertionError(f"read_committed consumer of {bootstrap} stuck at {last}")
    finally:
        consumer.close()


def assert_mirrored(src: str, dst: str, expected_committed: int):
    status, summary, output = compare_clusters(src, dst, [TOPIC])
    assert status == 0 and summary is not None, output
    assert summary["mismatch"] == 0 and summary["missing"] == 0 and summary["extra"] == 0, output
    assert summary["control"] > 0 and summary["records"] > 0, f"transactions were compared: {output}"
    offsets = Offsets(src).read([TOPIC])
    assert offsets == Offsets(dst).read([TOPIC])
    source_view = committed_view(src, offsets)
    destination_view = committed_view(dst, offsets)
    assert sorted(destination_view) == sorted(source_view)
    assert len(destination_view) == expected_committed
    assert not any(" b" in value and int(value.split(" b")[1].split(".")[0]) % 3 == 2 for _, _, value in destination_view), \
        "an aborted transaction is visible to read_committed on the destination"


@pytest.mark.timeout(240)
def test_transactions_keep_offsets_records_and_outcomes(broker_factory, link_factory, tmp_path):
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    create_topic(src, TOPIC, partitions=PARTITIONS)
    committed = write_transactions(src.bootstrap, "before", transactions=6)
    config = write_link_config(tmp_path / "link.yaml", name="txl", source=src.bootstrap, destination=dst.bootstrap,
                               prefix=PREFIX, store=tmp_path / "txl.db")
    link = link_factory(config)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC], timeout=90)
    committed += write_transactions(src.bootstrap, "live", transactions=6)
    status = wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC], timeout=90)
    assert {p["fidelity"] for p in status["partitions"] if p["topic"] == TOPIC} == {"records"}
    assert_mirrored(src.bootstrap, dst.bootstrap, committed)


@pytest.mark.timeout(420)
def test_sigkill_during_transaction_replays_continues_them(broker_factory, link_factory, tmp_path):
    seed = int(os.environ.get("CAUSEWAY_SIGKILL_SEED", str(random.SystemRandom().randrange(1 << 32))))
    rng = random.Random(seed)
    print(f"seed {seed} (CAUSEWAY_SIGKILL_SEED={seed} repeats this run)")
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    create_topic(src, TOPIC, partitions=PARTITIONS)
    config = write_link_config(tmp_path / "link.yaml", name="txk", source=src.bootstrap, destination=dst.bootstrap,
                               prefix=PREFIX, store=tmp_path / "txk.db")
    link = link_factory(config)
    result: dict = {}
    stop = threading.Event()
    # The producers write until the kills are done, however fast the machine is.
    writer = threading.Thread(
        target=lambda: result.setdefault("committed", write_transactions(src.bootstrap, "kill", 100_000, stop)))
    writer.start()
    kills = 0
    try:
        while kills < 10:
            time.sleep(rng.uniform(0.2, 1.2))
            assert writer.is_alive(), "the transactional producers stopped early"
            if status_json(config) is None:
                continue
            link.kill9()
            kills += 1
            link.start()
    finally:
        stop.set()
        writer.join(120)
    assert not writer.is_alive(), "the transactional producers did not finish"
    print(f"{kills} SIGKILLs during {result['committed']} committed records")
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC], timeout=120)
    assert_mirrored(src.bootstrap, dst.bootstrap, result["committed"])
