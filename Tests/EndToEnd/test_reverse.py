"""`causeway reverse` after a failover in which the old primary had un-mirrored records
(issue 6 acceptance): the divergent records are in the export file, and once the
reversed link has caught up, the old primary holds the same offsets and bytes as the new
primary (checked with the independent compare_clusters.py)."""

from __future__ import annotations

import base64
import json

import pytest

from broker_process import wait_until
from dr_support import causeway, failover, marks, store_rows
from link_support import KCAT, Offsets, ck_produce, compare_clusters, wait_caught_up, write_link_config
from support import create_topic

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")

DIVERGENT, CLEAN = "rv.orders", "rv.clean"


def produce_numbered(bootstrap: str, topic: str, tag: str, count: int, partitions: int):
    """Records `tag-i` with key `k-tag-i` and a header, round-robin over the partitions."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    errors = []
    for i in range(count):
        p.produce(topic, key=f"k-{tag}-{i}".encode(), value=f"{tag}-{i}".encode(), partition=i % partitions,
                  headers=[("n", str(i).encode())], on_delivery=lambda err, msg: err is None or errors.append(err))
    assert p.flush(60) == 0 and not errors, errors[:3]


@pytest.mark.timeout(300)
def test_reverse_exports_the_divergent_tail_and_the_old_primary_ends_identical(broker_factory, link_factory, tmp_path):
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    create_topic(src, DIVERGENT, partitions=2)
    create_topic(src, CLEAN, partitions=1)
    store = tmp_path / "link.db"

    def config_for(source: str):
        return write_link_config(tmp_path / "link.yaml", name="rv", source=source, destination=dst.bootstrap,
                                 prefix="rv.", store=store)

    config = config_for(src.bootstrap)
    link = link_factory(config)
    produce_numbered(src.bootstrap, DIVERGENT, "before", 200, 2)
    ck_produce(src.bootstrap, CLEAN, "gzip", 100, "before", idempotent=True)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [DIVERGENT, CLEAN], timeout=60)
    wait_until(lambda: sum(end for _, end in marks(store).values()) == 300, 30, "the daemon's marks")

    # The daemon dies; the source takes 30 more records it will never mirror; then the
    # source is lost and the link fails over.
    link.kill9()
    produce_numbered(src.bootstrap, DIVERGENT, "unmirrored", 30, 2)
    unmirrored_ends = Offsets(src.bootstrap).read([DIVERGENT])
    src.kill9()
    p, receipt = failover(config)
    assert p.returncode == 0, p.stdout + p.stderr  # the daemon had recorded 300: the receipt cannot see the 30
    failover_points = {(r["topic"], r["partition"]): r["destinationLogEnd"] for r in receipt["receipts"]}
    assert failover_points == {(DIVERGENT, 0): 100, (DIVERGENT, 1): 100, (CLEAN, 0): 100}

    # Producers move to the new primary. (Not idempotent: the embedded destination broker
    # hands out producer id 1000 again, which the mirrored idempotent batches already use,
    # and the broker rejects the new producer's sequence 0; see the report.)
    produce_numbered(dst.bootstrap, DIVERGENT, "after", 40, 2)
    ck_produce(dst.bootstrap, CLEAN, "lz4", 50, "after", idempotent=False)

    # The old primary comes back (new port), the daemon too; reverse.
    src.restart()
    config = config_for(src.bootstrap)
    link.start()
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    p = causeway("reverse", "--config", str(config), "--export-dir", str(export_dir), "--json")
    assert p.returncode == 0, p.stdout + p.stderr
    outcome = json.loads(p.stdout)
    actions = {(r["topic"], r["partition"]): (r["action"], r["exportedRecords"]) for r in outcome["partitions"]}
    assert actions == {(DIVERGENT, 0): ("re-seed", 15), (DIVERGENT, 1): ("re-seed", 15), (CLEAN, 0): ("continue", 0)}
    assert outcome["reseededTopics"] == [DIVERGENT]

    # The export file holds exactly the 30 un-mirrored records, at their offsets, decodable.
    lines = [json.loads(line) for line in open(outcome["exportFile"])]
    assert len(lines) == 30
    by_partition = {}
    for line in lines:
        by_partition.setdefault(line["partition"], []).append(line)
    for partition, rows in by_partition.items():
        assert [r["offset"] for r in rows] == list(range(100, unmirrored_ends[(DIVERGENT, partition)][1]))
    values = sorted(base64.b64decode(line["value"]).decode() for line in lines)
    assert values == sorted(f"unmirrored-{i}" for i in range(30))
    assert all(base64.b64decode(line["key"]).decode() == "k-" + base64.b64decode(line["value"]).decode() for line in lines)
    assert all(line["headers"][0]["key"] == "n" for line in lines)

    # The daemon switched direction by itself: the old primary becomes a copy of the new one.
    assert store_rows(store, "SELECT direction FROM link") == [("reversed",)]
    assert store_rows(store, "SELECT COUNT(*) FROM topic_control") == [(0,)]

    def identical():
        new, old = Offsets(dst.bootstrap).read([DIVERGENT, CLEAN]), None
        try:
            old = Offsets(src.bootstrap).read([DIVERGENT, CLEAN])
        except AssertionError:
            return None  # the re-seeded topic is not recreated yet
        return new == old and new
    wait_until(identical, 90, "the old primary to reach the new primary's offsets")
    status, summary, output = compare_clusters(dst.bootstrap, src.bootstrap, [DIVERGENT, CLEAN])
    assert status == 0, output
    assert link.alive(), link.log_tail(40)
