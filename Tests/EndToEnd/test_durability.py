"""Crash and restart: with --flush-every-write and acks=all, every record a producer
saw acknowledged survives kill -9 at its offset with its value, and the broker comes
back on the same data directory without manual repair. A clean SIGTERM restart keeps
everything: topics, configs, records, and the idempotent producers' state.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

import pytest

from support import (api_versions, create_topic, fetch_all_batches, kwire, leaders, list_offset,
                     require_apis, unique, wait_until)


def records_of(batches):
    """[(offset, key, value)] of decoded (none/gzip) batches, values as text."""
    out = []
    for b in batches:
        assert "partial" not in b, "partial batch below the high watermark"
        assert b["crcValid"], f"batch at {b['baseOffset']} has a bad CRC"
        assert "records" in b, f"batch at {b['baseOffset']} not decodable ({b['compression']})"
        for r in b["records"]:
            out.append((b["baseOffset"] + r["offset_delta"],
                        bytes.fromhex(r["key"]).decode() if r["key"] is not None else None,
                        bytes.fromhex(r["value"]).decode() if r["value"] is not None else None))
    return out


def describe_topic_configs(broker, topic):
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(32, 4, {"Resources": [{"ResourceType": 2, "ResourceName": topic,
                                                  "ConfigurationKeys": None}],
                                 "IncludeSynonyms": False, "IncludeDocumentation": False})
    finally:
        c.close()
    res = d["Results"][0]
    assert res["ErrorCode"] == 0, kwire.err(res["ErrorCode"])
    return {x["Name"]: (x["Value"], x["ConfigSource"]) for x in res["Configs"]}


def produce_raw(broker, topic, partition, batch, version=9):
    """One batch in one Produce to the first node (these tests run a single node)."""
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(0, version, {"TransactionalId": None, "Acks": -1, "TimeoutMs": 10000,
                                      "TopicData": [{"Name": topic, "PartitionData": [
                                          {"Index": partition, "Records": batch}]}]})
    finally:
        c.close()
    assert d is not None, "Produce: connection closed"
    return d["Responses"][0]["PartitionResponses"][0]


# -- SIGTERM ----------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_sigterm_exits_cleanly(broker):
    """SIGTERM: the broker exits with status 0 and reports no error."""
    topic = unique("dur-term")
    create_topic(broker, topic, partitions=2)
    if all(k in api_versions(broker) for k in (0, 1)):
        r = produce_raw(broker, topic, 0, kwire.build_batch([{"key": "k", "value": "v"}]))
        assert r["ErrorCode"] == 0
    status = broker.stop()
    errors = [line for line in broker.log_tail(200).splitlines() if line.startswith("Error")]
    assert status == 0 and not errors, f"exit status {status} after SIGTERM; stderr: {errors}"


@pytest.mark.timeout(90)
def test_clean_restart_keeps_topics_and_configs(broker_factory):
    broker = broker_factory(nodes=2)
    topics = {unique("dur-cfg-a"): (3, {"retention.ms": "-1", "cleanup.policy": "compact",
                                        "compression.type": "zstd"}),
              unique("dur-cfg-b"): (1, {"max.message.bytes": "3000000",
                                        "message.timestamp.type": "LogAppendTime"})}
    for name, (parts, configs) in topics.items():
        create_topic(broker, name, partitions=parts, configs=configs)
    deleted = unique("dur-cfg-deleted")
    create_topic(broker, deleted)
    c = kwire.Conn(broker.host, broker.port)
    assert kwire.delete_topics(c, [deleted], timeout=10)
    c.close()
    before = {name: (leaders(broker, name), describe_topic_configs(broker, name)) for name in topics}

    broker.stop()
    broker.restart()
    for name, (parts, configs) in topics.items():
        lead = wait_until(lambda: leaders(broker, name), 10, f"{name} in Metadata after restart")
        assert sorted(lead) == list(range(parts))
        assert all(l >= 0 for l in lead.values())
        after = describe_topic_configs(broker, name)
        assert after == before[name][1], {k: (before[name][1].get(k), v) for k, v in after.items()
                                          if before[name][1].get(k) != v}
        for k, v in configs.items():
            assert after[k][0] == v
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(3, 12, {"Topics": [{"Name": deleted}], "AllowAutoTopicCreation": False,
                                 "IncludeTopicAuthorizedOperations": False})
    finally:
        c.close()
    assert d["Topics"][0]["ErrorCode"] == 3, "a deleted topic came back after restart"


@pytest.mark.timeout(90)
def test_clean_restart_keeps_records_and_producer_state(broker_factory):
    broker = broker_factory()
    require_apis(broker, "Produce", "Fetch", "ListOffsets")
    topic = unique("dur-term-data")
    create_topic(broker, topic)
    sent = []
    for i in range(6):
        batch = kwire.build_batch([{"key": f"k{i}.{j}", "value": f"v{i}.{j}"} for j in range(3)],
                                  producer_id=777, producer_epoch=0, base_sequence=i * 3,
                                  compression="gzip" if i % 2 else "none")
        r = produce_raw(broker, topic, 0, batch)
        assert (r["ErrorCode"], r["BaseOffset"]) == (0, i * 3), r
        sent.append(batch)
    before, _ = fetch_all_batches(broker, topic)

    broker.stop()
    broker.restart()
    after, part = fetch_all_batches(broker, topic)
    assert part["HighWatermark"] == 18 and part["LogStartOffset"] == 0
    assert [b["raw"] for b in after] == [b["raw"] for b in before]
    for i, b in enumerate(after):
        assert bytes.fromhex(b["raw"])[21:] == sent[i][21:]
    # Producer state survives: a retry of the last batch is a duplicate answered with
    # its original offset; a gap is out of order; the next sequence appends.
    r = produce_raw(broker, topic, 0, sent[-1])
    assert (r["ErrorCode"], r["BaseOffset"]) == (0, 15), r
    gap = kwire.build_batch([{"key": "x", "value": "gap"}], producer_id=777, producer_epoch=0,
                            base_sequence=20)
    assert produce_raw(broker, topic, 0, gap)["ErrorCode"] == 45
    nxt = kwire.build_batch([{"key": "x", "value": "next"}], producer_id=777, producer_epoch=0,
                            base_sequence=18)
    r = produce_raw(broker, topic, 0, nxt)
    assert (r["ErrorCode"], r["BaseOffset"]) == (0, 18), r


# -- kill -9 ----------------------------------------------------------------------------

class LoadRound:
    """Produces with acks=all and idempotence until the broker is killed under it;
    records what the delivery reports acknowledged."""

    def __init__(self, broker, topic, partitions, round_no, codec, rnd):
        self.broker, self.topic, self.partitions = broker, topic, partitions
        self.round_no, self.codec, self.rnd = round_no, codec, rnd
        self.acked = defaultdict(dict)  # partition -> {offset: value}
        self.failed = 0
        self.sent = 0
        self.killed_at = None

    def on_delivery(self, err, msg):
        if err is None:
            value = msg.value().decode()
            assert msg.offset() not in self.acked[msg.partition()], \
                f"offset {msg.offset()} acknowledged twice"
            self.acked[msg.partition()][msg.offset()] = value
        else:
            self.failed += 1

    def acked_count(self):
        return sum(len(v) for v in self.acked.values())

    def run(self, kill_after_acks: int, max_seconds: float = 20.0):
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all",
                             "enable.idempotence": True, "compression.type": self.codec,
                             "linger.ms": 2, "batch.num.messages": 100,
                             "message.timeout.ms": 15000, "reconnect.backoff.max.ms": 200,
                             "log_level": 2})  # the refused reconnects after kill -9 are expected
        lock = threading.Lock()

        def killer():
            # Kill once some load has been acknowledged, at a random moment after that.
            wait_until(lambda: self.acked_count() >= kill_after_acks or self.killed_at, max_seconds,
                       "acknowledged records before the kill", interval=0.005)
            time.sleep(self.rnd.uniform(0, 0.3))  # a random point in the load, on purpose
            with lock:
                self.broker.kill9()
                self.killed_at = time.monotonic()

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        deadline = time.monotonic() + max_seconds
        i = 0
        while True:
            with lock:
                if self.killed_at is not None and time.monotonic() - self.killed_at > 0.2:
                    break
            assert time.monotonic() < deadline, f"round {self.round_no}: no kill within {max_seconds}s"
            value = f"r{self.round_no}-{i}"
            try:
                producer.produce(self.topic, key=f"k{i}", value=value, partition=i % self.partitions,
                                 on_delivery=self.on_delivery)
                self.sent += 1
                i += 1
            except BufferError:
                pass
            producer.poll(0.0005 if i % 50 == 0 else 0)
        thread.join(5)
        # The broker is dead: no acknowledgement can arrive any more. Collect the
        # reports already received, void the rest, and let go of the producer.
        producer.poll(0.5)
        producer.purge(in_queue=True, in_flight=True, blocking=True)
        producer.flush(10)


@pytest.mark.timeout(240)
def test_kill9_during_produce_load_loses_no_acknowledged_record(flush_broker):
    broker = flush_broker
    require_apis(broker, "Produce", "Fetch", "ListOffsets", "InitProducerId")
    topic = unique("dur-kill")
    partitions = 2
    create_topic(broker, topic, partitions=partitions, configs={"retention.ms": "-1"})
    rnd = random.Random(11)
    survived = {p: [] for p in range(partitions)}  # what each partition held after the last restart
    for round_no, codec in enumerate(["none", "gzip", "none", "gzip"]):
        load = LoadRound(broker, topic, partitions, round_no, codec, rnd)
        load.run(kill_after_acks=300 + 200 * round_no)
        assert not broker.alive()
        assert load.acked_count() >= 300, f"round {round_no}: only {load.acked_count()} acked"

        broker.restart()  # no repair step: it must come up on its own
        survived_before = {p: list(v) for p, v in survived.items()}
        for p in range(partitions):
            batches, part = fetch_all_batches(broker, topic, p)
            got = records_of(batches)
            offsets = [o for o, _, _ in got]
            assert offsets == list(range(len(got))), f"partition {p}: offsets not contiguous from 0"
            assert part["HighWatermark"] == len(got)
            assert list_offset(broker, topic, p, -1)["Offset"] == len(got)
            stored = {o: v for o, _, v in got}
            # Every acknowledged record is there, at its offset, with its value.
            missing = {o: v for o, v in load.acked[p].items() if stored.get(o) != v}
            assert not missing, (f"round {round_no} partition {p}: {len(missing)} acknowledged records "
                                 f"lost or changed, e.g. {sorted(missing.items())[:5]} -> "
                                 f"{[(o, stored.get(o)) for o in sorted(missing)[:5]]}")
            # Earlier rounds are untouched, and nothing is duplicated or invented.
            assert got[:len(survived[p])] == survived[p], f"partition {p}: earlier rounds changed"
            values = [v for _, _, v in got]
            assert len(values) == len(set(values)), f"partition {p}: duplicated records"
            assert all(v.startswith("r") for v in values)
            survived[p] = got
            print(f"round {round_no} ({codec}) partition {p}: {len(load.acked[p])} acknowledged, "
                  f"{len(got) - len(survived_before[p])} new records after restart, HW {len(got)}")
    # And a clean restart after all that keeps it all.
    broker.stop()
    broker.restart()
    for p in range(partitions):
        batches, _ = fetch_all_batches(broker, topic, p)
        assert records_of(batches) == survived[p]
