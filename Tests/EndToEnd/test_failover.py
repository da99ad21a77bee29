"""`causeway failover`, `pause` and `resume` driving a real `causeway run` daemon
between two broker processes (issue 6 acceptance):

- failover while the link has lag, the source broker SIGKILLed: the receipt states per
  partition how many records did not arrive, and that matches a recount on the source's
  data once it is back;
- the daemon and the failover command SIGKILLed while failover runs, then failover run
  again: the same end state and receipts as an uninterrupted failover, and a third run
  changes nothing;
- pause and resume with the CLI while the daemon runs.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from broker_process import broker_binary, wait_until
from dr_support import causeway, failover, marks, receipts_by_partition, store_rows
from link_support import KCAT, Offsets, ck_produce, status_json, wait_caught_up, write_link_config
from support import create_topic

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")

PARTITIONS = 3

# One-record batches, fetched one at a time with one produce in flight per partition:
# the link falls far behind the producer, so there is lag to account for when the
# source dies.
SLOW_LINK = """\
  partitionMaxBytes: 1
produce:
  maxInFlightPerPartition: 1
"""


def produce_single_record_batches(bootstrap: str, topic: str, count: int):
    """confluent-kafka, acks=1, one record per batch, spread round-robin over the partitions."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "batch.num.messages": 1, "acks": "1",
                  "enable.idempotence": False, "queue.buffering.max.messages": 1000000})
    errors = []
    for i in range(count):
        while True:
            try:
                p.produce(topic, key=f"k{i}".encode(), value=f"record-{i}".encode(), partition=i % PARTITIONS,
                          on_delivery=lambda err, msg: err is None or errors.append(str(err)))
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(120) == 0 and not errors, errors[:5]


def start_lagging_link(broker_factory, link_factory, tmp_path, topic: str, records: int):
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    create_topic(src, topic, partitions=PARTITIONS)
    store = tmp_path / "link.db"
    config = write_link_config(tmp_path / "link.yaml", name="fo", source=src.bootstrap, destination=dst.bootstrap,
                               prefix=topic, store=store, extra=SLOW_LINK)
    link = link_factory(config)
    wait_until(lambda: len(marks(store)) == PARTITIONS, 60, "the daemon's first partition marks")
    produce_single_record_batches(src.bootstrap, topic, records)
    ends = Offsets(src.bootstrap).read([topic])
    assert sum(end for _, end in ends.values()) == records
    return src, dst, config, store, link, ends


def wait_daemon_saw_everything_with_lag(store, topic, ends):
    """Until the store holds the source's final high watermarks while the destination is
    still behind: the moment to lose the source."""
    def ready():
        m = marks(store)
        if any(m.get(key, (None,))[0] != end for key, (_, end) in ends.items()):
            return None
        lag = sum(hw - dst_end for hw, dst_end in m.values())
        assert lag > 0, f"the link caught up before the source could be killed: {m}"
        return m
    return wait_until(ready, 60, "the daemon to record the final source high watermarks")


@pytest.mark.timeout(240)
def test_failover_with_lag_after_the_source_dies_receipt_matches_a_recount(broker_factory, link_factory, tmp_path):
    topic = "fo.orders"
    src, dst, config, store, link, ends = start_lagging_link(broker_factory, link_factory, tmp_path, topic, 30_000)
    wait_daemon_saw_everything_with_lag(store, topic, ends)
    src.kill9()

    # A dry run shows the receipt and changes nothing.
    p, preview = failover(config, "--dry-run")
    assert p.returncode == 3 and preview["dryRun"], p.stdout + p.stderr
    assert sum(r["recordsPossiblyLost"] for r in preview["receipts"]) > 0
    assert store_rows(store, "SELECT COUNT(*) FROM topic_control") == [(0,)]
    assert store_rows(store, "SELECT COUNT(*) FROM failover_receipt") == [(0,)]

    started = time.monotonic()
    p, receipt = failover(config)
    print(f"failover with a live daemon and a dead source: {time.monotonic() - started:.2f}s")
    assert p.returncode == 3, f"exit {p.returncode}: some records must be reported lost\n{p.stdout}{p.stderr}"
    assert receipt["daemon"].startswith("acknowledged"), receipt
    rows = receipts_by_partition(receipt)
    assert sorted(rows) == [(topic, i) for i in range(PARTITIONS)]
    dst_ends = Offsets(dst.bootstrap).read([topic])

    # The recount: bring the source back on its data and count what the destination lacks.
    src.restart()
    recount = Offsets(src.bootstrap).read([topic])
    lost_total = 0
    for key, row in rows.items():
        assert not row["sourceAnswered"]
        assert row["destinationLogEnd"] == dst_ends[key][1], (key, row, dst_ends)
        assert row["sourceHighWatermark"] == recount[key][1], (key, row, recount)
        assert row["recordsPossiblyLost"] == recount[key][1] - dst_ends[key][1], (key, row)
        lost_total += row["recordsPossiblyLost"]
    assert lost_total > 0
    print(f"receipt: {lost_total} of 30000 records not mirrored when the source died")

    # The daemon stopped the mirrors and goes on running: over two more of its rounds the
    # destination does not move and every partition shows STOPPED.
    beat = store_rows(store, "SELECT beat_at FROM daemon")[0][0]
    wait_until(lambda: store_rows(store, "SELECT beat_at FROM daemon")[0][0] >= beat + 2000, 30, "two daemon rounds")
    assert Offsets(dst.bootstrap).read([topic]) == dst_ends
    states = {p["state"] for p in status_json(config)["partitions"]}
    assert states == {"STOPPED"}, states


@pytest.mark.timeout(240)
def test_failover_interrupted_by_kills_then_run_again_ends_like_an_uninterrupted_one(
        broker_factory, link_factory, tmp_path):
    topic = "fk.orders"
    src, dst, config, store, link, ends = start_lagging_link(broker_factory, link_factory, tmp_path, topic, 20_000)
    wait_daemon_saw_everything_with_lag(store, topic, ends)
    src.kill9()

    # Failover starts; the daemon is SIGKILLed at once, and the failover command too as
    # soon as it has written its request to the store.
    interrupted = subprocess.Popen([str(broker_binary()), "failover", "--config", str(config), "--json"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    link.kill9()
    wait_until(lambda: store_rows(store, "SELECT state FROM topic_control") == [("failed-over",)], 30,
               "the failover request in the store")
    interrupted.kill()
    interrupted.wait(10)
    assert store_rows(store, "SELECT COUNT(*) FROM failover_receipt") == [(0,)], "killed before any receipt"

    p, first = failover(config)
    assert p.returncode == 3, p.stdout + p.stderr
    # The killed daemon's last heartbeat may still look fresh: failover waits it out.
    assert first["daemon"] in ("not running: acting alone", "stopped while we waited: acting alone"), first
    assert not first["repeated"]
    dst_ends = Offsets(dst.bootstrap).read([topic])
    for key, row in receipts_by_partition(first).items():
        assert row["sourceHighWatermark"] == ends[key][1]
        assert row["destinationLogEnd"] == dst_ends[key][1]
        assert row["recordsPossiblyLost"] == ends[key][1] - dst_ends[key][1]

    # Again: harmless, the same receipts, nothing changed.
    p, second = failover(config)
    assert p.returncode == 3
    assert second["repeated"]
    assert second["receipts"] == first["receipts"]
    assert Offsets(dst.bootstrap).read([topic]) == dst_ends

    # A daemon started afterwards, with the source back, leaves the failed-over topic alone.
    src.restart()
    write_link_config(config, name="fo", source=src.bootstrap, destination=dst.bootstrap, prefix=topic,
                      store=store, extra=SLOW_LINK)
    link.start()
    beat = wait_until(lambda: (store_rows(store, "SELECT beat_at FROM daemon") or [[None]])[0][0], 30, "a heartbeat")
    wait_until(lambda: (store_rows(store, "SELECT beat_at FROM daemon") or [[0]])[0][0] >= beat + 2000, 30,
               "two daemon rounds")
    assert Offsets(dst.bootstrap).read([topic]) == dst_ends


@pytest.mark.timeout(180)
def test_pause_and_resume_with_the_cli(broker_factory, link_factory, tmp_path):
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    topics = ["pr.a", "pr.b"]
    for t in topics:
        create_topic(src, t, partitions=1)
    store = tmp_path / "link.db"
    config = write_link_config(tmp_path / "link.yaml", name="pr", source=src.bootstrap, destination=dst.bootstrap,
                               prefix="pr.", store=store)
    link = link_factory(config)
    for t in topics:
        ck_produce(src.bootstrap, t, "lz4", 500, "before", idempotent=True)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, topics, timeout=60)

    p = causeway("pause", "--config", str(config), "--link", "pr", "--topic", "pr.a")
    assert p.returncode == 0, p.stderr
    assert "the daemon confirmed" in p.stdout, p.stdout
    for t in topics:
        ck_produce(src.bootstrap, t, "lz4", 300, "during", idempotent=True)
    wait_until(lambda: Offsets(dst.bootstrap).read(["pr.b"])[("pr.b", 0)][1] == 800, 60, "pr.b mirrored")
    assert Offsets(dst.bootstrap).read(["pr.a"])[("pr.a", 0)][1] == 500
    assert {p["topic"]: p["state"] for p in status_json(config)["partitions"]}["pr.a"] == "PAUSED"

    p = causeway("pause", "--config", str(config), "--link", "other")
    assert p.returncode != 0 and "does not match" in p.stderr, p.stderr

    p = causeway("resume", "--config", str(config), "--topic", "pr.a")
    assert p.returncode == 0 and "resumed pr.a" in p.stdout, p.stdout + p.stderr
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, topics, timeout=60)
    assert Offsets(dst.bootstrap).read(["pr.a"])[("pr.a", 0)][1] == 800


@pytest.mark.timeout(60)
def test_a_file_that_is_not_a_causeway_store_is_refused_and_left_untouched(broker_factory, tmp_path):
    src = broker_factory(name="src")
    store = tmp_path / "notes.db"
    original = b"these are my notes, not a checkpoint store\n" * 100
    store.write_bytes(original)
    config = write_link_config(tmp_path / "link.yaml", name="st", source=src.bootstrap, destination="127.0.0.1:1",
                               prefix="st.", store=store)
    for command in (["run", "--config", str(config)], ["failover", "--config", str(config)],
                    ["pause", "--config", str(config)]):
        p = causeway(*command, timeout=30)
        assert p.returncode == 1, (command, p.returncode, p.stderr)
        assert f"checkpoint store {store}: not a SQLite database" in p.stderr, p.stderr
        assert "left untouched" in p.stderr, p.stderr
    assert store.read_bytes() == original
    assert sorted(x.name for x in tmp_path.iterdir() if x.name.startswith("notes")) == ["notes.db"]
