"""`causeway promote` while a producer keeps writing to the source (issue 6 acceptance):
promote fences the source's writers, waits for zero lag and fails over; the producer,
refused by the fenced source, switches to the destination; a consumer of the destination
then sees one gap-free, duplicate-free sequence across the switch. And a promote that
times out changes nothing: the fence is lifted and mirroring goes on."""

from __future__ import annotations

import json
import threading
import time

import pytest

from broker_process import wait_until
from dr_support import causeway, store_rows
from link_support import KCAT, Offsets, status_json, wait_caught_up, write_link_config
from support import create_topic

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")

TOPIC = "pm.orders"


class SwitchingProducer:
    """Writes 0, 1, 2, ... one record at a time (each acknowledged before the next) to the
    source; when the source refuses a write (fenced), holds that record until promote has
    returned (`promoted` is set), then sends it and the rest to the destination. Stops
    `after_switch` records after switching."""

    def __init__(self, src: str, dst: str, after_switch: int):
        from confluent_kafka import Producer
        self.producers = [Producer({"bootstrap.servers": b, "acks": "all", "linger.ms": 0, "retries": 0,
                                    "enable.idempotence": False}) for b in (src, dst)]
        self.target = 0
        self.next = 0
        self.switched_at = None
        self.after_switch = after_switch
        self.errors: list[str] = []
        self.promoted = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def send(self, value: int) -> str | None:
        result = {}
        self.producers[self.target].produce(TOPIC, value=str(value).encode(), partition=0,
                                            on_delivery=lambda err, msg: result.update(err=err))
        self.producers[self.target].flush(30)
        err = result.get("err")
        return None if err is None else err.name()

    def run(self):
        try:
            while self.switched_at is None or self.next < self.switched_at + self.after_switch:
                err = self.send(self.next)
                if err is None:
                    self.next += 1
                elif self.target == 0 and err in ("MSG_SIZE_TOO_LARGE", "MESSAGE_TOO_LARGE"):
                    # Fenced: the source acknowledged nothing of this record. Wait for the
                    # destination to become the primary, then resend it there.
                    assert self.promoted.wait(120), "promote did not return"
                    self.target, self.switched_at = 1, self.next
                else:
                    raise AssertionError(f"record {self.next} to {'source' if self.target == 0 else 'destination'}: {err}")
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))


def start_link(broker_factory, link_factory, tmp_path):
    """Source and destination brokers, a one-partition topic, the daemon, and the mirror
    topic created on the destination."""
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    create_topic(src, TOPIC, partitions=1)
    store = tmp_path / "link.db"
    config = write_link_config(tmp_path / "link.yaml", name="pm", source=src.bootstrap, destination=dst.bootstrap,
                               prefix="pm.", store=store)
    link = link_factory(config)
    wait_until(lambda: Offsets(dst.bootstrap).read([TOPIC]) if (status_json(config) or {}).get("partitions") else None,
               60, "the mirror topic on the destination")
    return src, dst, store, config, link


def consume_all(bootstrap: str, count: int) -> list[int]:
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "pm-check", "enable.auto.commit": False})
    c.assign([TopicPartition(TOPIC, 0, 0)])
    values: list[int] = []
    try:
        wait_until(lambda: values.extend(int(m.value()) for m in c.consume(500, 1.0) if m.error() is None)
                   or len(values) >= count, 60, f"{count} records on the destination")
    finally:
        c.close()
    return values


@pytest.mark.timeout(240)
def test_promote_with_a_producer_writing_gives_one_gap_free_sequence(broker_factory, link_factory, tmp_path):
    src, dst, store, config, link = start_link(broker_factory, link_factory, tmp_path)

    producer = SwitchingProducer(src.bootstrap, dst.bootstrap, after_switch=300)
    producer.thread.start()
    wait_until(lambda: producer.next >= 300 or producer.errors, 60, "300 records written to the source")
    assert not producer.errors, producer.errors

    started = time.monotonic()
    p = causeway("promote", "--config", str(config), "--fence", "--timeout", "60s", "--json")
    print(f"promote --fence with a producer writing: {time.monotonic() - started:.2f}s")
    assert p.returncode == 0, p.stdout + p.stderr
    receipt = json.loads(p.stdout)
    producer.promoted.set()
    producer.thread.join(120)
    assert not producer.thread.is_alive() and not producer.errors, producer.errors
    assert producer.switched_at is not None, "the producer was never refused by the fenced source"

    (row,) = receipt["receipts"]
    assert row["sourceAnswered"] and row["recordsPossiblyLost"] == 0, row
    assert row["destinationLogEnd"] == producer.switched_at == Offsets(src.bootstrap).read([TOPIC])[(TOPIC, 0)][1]
    assert [s for (s,) in store_rows(store, "SELECT state FROM topic_control")] == ["failed-over"]

    total = producer.next
    values = consume_all(dst.bootstrap, total)
    assert values == list(range(total)), f"gap or duplicate near {next(i for i, v in enumerate(values) if v != i)}"
    assert Offsets(dst.bootstrap).read([TOPIC])[(TOPIC, 0)][1] == total
    print(f"promote: {producer.switched_at} records via the source, {total - producer.switched_at} after the switch")


@pytest.mark.timeout(180)
def test_promote_timeout_changes_nothing(broker_factory, link_factory, tmp_path):
    src, dst, store, config, link = start_link(broker_factory, link_factory, tmp_path)
    # Paused: lag cannot reach zero, so promote must give up.
    p = causeway("pause", "--config", str(config))
    assert p.returncode == 0, p.stderr
    from link_support import ck_produce
    ck_produce(src.bootstrap, TOPIC, "none", 100, "t", idempotent=False)

    p = causeway("promote", "--config", str(config), "--fence", "--timeout", "3s")
    assert p.returncode != 0
    assert "nothing changed, mirroring goes on" in p.stderr, p.stderr
    assert [s for (s,) in store_rows(store, "SELECT state FROM topic_control")] == ["paused"]
    assert store_rows(store, "SELECT COUNT(*) FROM failover_receipt") == [(0,)]
    # The fence is lifted: the source takes writes again; resumed, the link catches up.
    ck_produce(src.bootstrap, TOPIC, "none", 50, "after", idempotent=False)
    assert causeway("resume", "--config", str(config)).returncode == 0
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC], timeout=60)
    assert Offsets(dst.bootstrap).read([TOPIC])[(TOPIC, 0)][1] == 150
