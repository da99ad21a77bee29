"""Consumer-offset sync for disaster recovery: a confluent-kafka group reads half of a
topic on the source and commits; `causeway run` copies the committed offsets to the
destination; the source broker process is then killed, and the same group pointed at
the destination receives exactly the remaining records: none twice, none missing."""

from __future__ import annotations

import time

import pytest
from dr_support import failover

from broker_process import wait_until
from link_support import status_json, status_table, ck_produce, wait_caught_up, write_link_config
from support import create_topic

confluent_kafka = pytest.importorskip("confluent_kafka")

PREFIX = "sync."
TOPIC = f"{PREFIX}orders"
PARTITIONS = 3
TOTAL = 900
GROUP = "billing"


def consume(bootstrap: str, count: int, timeout: float) -> list[tuple[int, int, bytes]]:
    """Reads exactly `count` records as group GROUP from the committed offsets (else the
    start), commits what it read, and leaves. Returns (partition, offset, value)."""
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap, "group.id": GROUP, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "session.timeout.ms": 6000, "max.poll.interval.ms": 60000})
    seen: list[tuple[int, int, bytes]] = []
    try:
        consumer.subscribe([TOPIC])
        deadline = time.monotonic() + timeout
        while len(seen) < count and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=count - len(seen), timeout=0.5):
                assert message.error() is None, message.error()
                seen.append((message.partition(), message.offset(), message.value()))
        assert len(seen) == count, f"read {len(seen)} of {count} records within {timeout}s"
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return seen


def drain(bootstrap: str, quiet: float, timeout: float) -> list[tuple[int, int, bytes]]:
    """Reads as group GROUP until nothing new arrives for `quiet` seconds after at least
    one record (bounded by `timeout`)."""
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap, "group.id": GROUP, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "session.timeout.ms": 6000})
    seen: list[tuple[int, int, bytes]] = []
    try:
        consumer.subscribe([TOPIC])
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            batch = consumer.consume(num_messages=500, timeout=0.5)
            for message in batch:
                assert message.error() is None, message.error()
                seen.append((message.partition(), message.offset(), message.value()))
            if batch:
                last = time.monotonic()
            elif last is not None and time.monotonic() - last >= quiet:
                break
    finally:
        consumer.close()
    return seen


def committed(bootstrap: str) -> dict[int, int]:
    """GROUP's committed offsets on a cluster, without joining the group."""
    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP})
    try:
        parts = [confluent_kafka.TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        return {tp.partition: tp.offset for tp in consumer.committed(parts, timeout=10)}
    finally:
        consumer.close()


@pytest.mark.timeout(240)
def test_group_resumes_on_the_destination_after_the_source_dies(broker_factory, link_factory, tmp_path):
    src = broker_factory(name="src", partitions=PARTITIONS)
    dst = broker_factory(name="dst")
    create_topic(src, TOPIC, partitions=PARTITIONS)
    ck_produce(src.bootstrap, TOPIC, "zstd", TOTAL, "s", idempotent=True, partitions=PARTITIONS)
    config = write_link_config(
        tmp_path / "link.yaml", name="offsets", source=src.bootstrap, destination=dst.bootstrap, prefix=PREFIX,
        store=tmp_path / "offsets.db",
        extra=f"groups:\n  include:\n    - name: {GROUP}\n  syncInterval: 300ms\n")
    link = link_factory(config)
    # Every mirror partition exists on the destination before offsets are read there.
    wait_until(lambda: (st := status_json(config)) and st.get("processID") == link.pid
               and sum(p["topic"] == TOPIC for p in st["partitions"]) == PARTITIONS, 60,
               f"{PARTITIONS} partition workers of {TOPIC}", interval=0.2)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC], timeout=90)

    first = consume(src.bootstrap, TOTAL // 2, timeout=60)
    on_source = committed(src.bootstrap)
    # A partition the group read nothing of has no commit (-1001): it starts from the beginning.
    assert sum(max(offset, 0) for offset in on_source.values()) == TOTAL // 2, on_source

    try:
        wait_until(lambda: committed(dst.bootstrap) == on_source, 30,
                   f"the destination's committed offsets of {GROUP} to become {on_source}", interval=0.3)
    except TimeoutError as e:
        raise AssertionError(f"{e}; destination has {committed(dst.bootstrap)}\n{status_table(config)}") from e
    assert any(line.endswith(f"to dst, {len(on_source) - list(on_source.values()).count(-1001)} offset(s): {GROUP}")
               for line in link.grep_logs("synced 1 group(s)")), link.log_tail(40)
    table = wait_until(lambda: (t := status_table(config)) and "consumer offsets: 1 synced, 0 skipped, 0 failed" in t and t, 10,
                       "the offset sync in `causeway status`", interval=0.3)
    print(table)

    src.kill9()
    # The source is lost: fail over (the daemon stops its mirrors; the source does not
    # answer, so no last sync: the offsets synced above are what the group resumes from).
    process, receipt = failover(config)
    assert receipt is not None, process.stdout + process.stderr
    assert receipt["offsetSync"].startswith("not run"), receipt["offsetSync"]
    assert sum(r["recordsPossiblyLost"] for r in receipt["receipts"]) == 0, receipt
    rest = drain(dst.bootstrap, quiet=3, timeout=90)

    got = [(p, o) for p, o, _ in first + rest]
    assert len(got) == len(set(got)), "a record was delivered twice"
    assert len(rest) == TOTAL - TOTAL // 2, f"{len(rest)} records after failover, expected {TOTAL - TOTAL // 2}"
    indices = sorted(int(v.split(b":")[1]) for _, _, v in first + rest)
    assert indices == list(range(TOTAL)), "some record is missing or repeated"


@pytest.mark.timeout(240)
def test_failover_runs_a_last_offset_sync_while_the_source_answers(broker_factory, link_factory, tmp_path):
    """Commits made after the daemon's last sync round still reach the destination: the
    failover syncs once more after the mirrors stop (the sync interval here is long, so
    only that last round can carry the second half's commits)."""
    src = broker_factory(name="src", partitions=PARTITIONS)
    dst = broker_factory(name="dst")
    create_topic(src, TOPIC, partitions=PARTITIONS)
    ck_produce(src.bootstrap, TOPIC, "lz4", TOTAL, "l", idempotent=True, partitions=PARTITIONS)
    config = write_link_config(
        tmp_path / "link.yaml", name="offsets", source=src.bootstrap, destination=dst.bootstrap, prefix=PREFIX,
        store=tmp_path / "offsets.db",
        extra=f"groups:\n  include:\n    - name: {GROUP}\n  syncInterval: 1h\n")
    link = link_factory(config)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC], timeout=90)
    first = consume(src.bootstrap, TOTAL // 2, timeout=60)
    on_source = committed(src.bootstrap)

    process, receipt = failover(config)
    assert receipt is not None, process.stdout + process.stderr
    assert receipt["offsetSync"] == "done", receipt
    assert committed(dst.bootstrap) == on_source
    rest = drain(dst.bootstrap, quiet=3, timeout=90)
    got = [(p, o) for p, o, _ in first + rest]
    assert len(got) == len(set(got)) and len(got) == TOTAL, f"{len(first)} + {len(rest)} records for {TOTAL}"
