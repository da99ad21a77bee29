"""Consumer groups (classic protocol) with real clients against `causeway broker`.

confluent-kafka (librdkafka) consumers split a topic, rebalance when one leaves and
resume from committed offsets, also after a broker restart (SIGTERM and kill -9) on the
same data directory; kcat -G; kafka-python's consumer and admin client (list, describe,
offsets, delete); NOT_COORDINATOR on the nodes that do not coordinate a group; a member
that stops heartbeating is removed after its session timeout. Every wait is bounded.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from broker_process import wait_until
from support import conn, create_topic, kwire, unique

DEADLINE = 60.0


def produce(bootstrap: str, topic: str, partitions: int, per_partition: int, start: int = 0):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for p in range(partitions):
        for i in range(start, start + per_partition):
            producer.produce(topic, key=f"k{i}", value=f"p{p}-{i}", partition=p)
    assert producer.flush(30) == 0, "records left unsent"


def consumer(bootstrap: str, group: str, **extra) -> Consumer:
    conf = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
            "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
            "partition.assignment.strategy": "range", "client.id": group}
    conf.update(extra)
    return Consumer(conf)


def poll_into(c: Consumer, seen: list, timeout: float = 0.2):
    msg = c.poll(timeout)
    if msg is not None and msg.error() is None:
        seen.append((msg.partition(), msg.offset(), msg.value().decode()))


def assigned(c: Consumer) -> set[int]:
    return {tp.partition for tp in c.assignment()}


def describe(broker, group: str) -> dict:
    c = conn(broker)
    try:
        _, _, body = c.call(15, 5, {"Groups": [group], "IncludeAuthorizedOperations": False})
    finally:
        c.close()
    return body["Groups"][0]


def committed(broker, group: str) -> dict[tuple[str, int], int]:
    c = conn(broker)
    try:
        _, _, body = c.call(9, 7, {"GroupId": group, "Topics": None, "RequireStable": False})
    finally:
        c.close()
    assert body["ErrorCode"] == 0, body
    return {(t["Name"], p["PartitionIndex"]): p["CommittedOffset"] for t in body["Topics"] for p in t["Partitions"]}


@pytest.mark.timeout(150)
def test_two_consumers_split_a_topic_and_rebalance_when_one_leaves(broker):
    topic, group = unique("grp-split"), unique("g-split")
    create_topic(broker, topic, partitions=4)
    produce(broker.bootstrap, topic, 4, 40)
    a, b = consumer(broker.bootstrap, group), consumer(broker.bootstrap, group)
    a.subscribe([topic])
    b.subscribe([topic])
    seen_a, seen_b = [], []
    try:
        def split():
            poll_into(a, seen_a)
            poll_into(b, seen_b)
            return assigned(a) and assigned(b) and not (assigned(a) & assigned(b)) \
                and assigned(a) | assigned(b) == {0, 1, 2, 3}
        wait_until(split, DEADLINE, "both consumers to be assigned disjoint halves of the topic", interval=0)
        assert len(assigned(a)) == 2 and len(assigned(b)) == 2, (assigned(a), assigned(b))
        group_state = describe(broker, group)
        assert group_state["GroupState"] == "Stable" and group_state["ProtocolData"] == "range"
        assert len(group_state["Members"]) == 2

        def everything_read():
            poll_into(a, seen_a)
            poll_into(b, seen_b)
            got = {(p, o) for p, o, _ in seen_a + seen_b}
            return all((p, o) in got for p in range(4) for o in range(40))
        wait_until(everything_read, DEADLINE, "all 160 records to be consumed", interval=0)
        # Each consumer read only its own partitions once the split settled.
        a_parts, b_parts = assigned(a), assigned(b)
        a.commit(asynchronous=False)
        b.commit(asynchronous=False)
        assert committed(broker, group) == {(topic, p): 40 for p in range(4)}

        # b leaves (LeaveGroup): a takes over its partitions, at b's committed offsets.
        b.close()
        wait_until(lambda: (poll_into(a, seen_a), assigned(a) == {0, 1, 2, 3})[1], DEADLINE,
                   "the remaining consumer to get every partition", interval=0)
        before = len(seen_a)
        produce(broker.bootstrap, topic, 4, 5, start=40)
        wait_until(lambda: (poll_into(a, seen_a), len(seen_a) - before >= 20)[1], DEADLINE,
                   "the 20 new records", interval=0)
        new = sorted((p, o) for p, o, _ in seen_a[before:])
        assert new == sorted((p, o) for p in range(4) for o in range(40, 45)), \
            f"expected offsets 40-44 of every partition once each, got {new} (a had {a_parts}, b had {b_parts})"
        a.commit(asynchronous=False)
        assert committed(broker, group) == {(topic, p): 45 for p in range(4)}
        assert len(describe(broker, group)["Members"]) == 1
    finally:
        a.close()


@pytest.mark.timeout(150)
@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
def test_committed_offsets_survive_a_broker_restart(broker_factory, stop):
    broker = broker_factory()
    topic, group = unique("grp-restart"), unique("g-restart")
    create_topic(broker, topic, partitions=2)
    produce(broker.bootstrap, topic, 2, 10)
    first = consumer(broker.bootstrap, group)
    first.subscribe([topic])
    seen = []
    try:
        wait_until(lambda: (poll_into(first, seen), len(seen) >= 20)[1], DEADLINE, "20 records", interval=0)
        first.commit(offsets=[TopicPartition(topic, 0, 6), TopicPartition(topic, 1, 4)], asynchronous=False)
    finally:
        first.close()
    if stop == "kill9":
        broker.kill9()
        broker.start()
    else:
        broker.restart()
    assert committed(broker, group) == {(topic, 0): 6, (topic, 1): 4}
    produce(broker.bootstrap, topic, 2, 2, start=10)
    second = consumer(broker.bootstrap, group)
    second.subscribe([topic])
    resumed = []
    try:
        wait_until(lambda: (poll_into(second, resumed), len(resumed) >= 14)[1], DEADLINE,
                   "the records after the committed offsets", interval=0)
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            poll_into(second, resumed)
    finally:
        second.close()
    got = sorted((p, o) for p, o, _ in resumed)
    assert got == sorted([(0, o) for o in range(6, 12)] + [(1, o) for o in range(4, 12)]), got


@pytest.mark.timeout(120)
@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is not installed")
def test_kcat_consumes_in_a_group_and_resumes(broker):
    topic, group = unique("grp-kcat"), unique("g-kcat")
    create_topic(broker, topic, partitions=1)
    produce(broker.bootstrap, topic, 1, 5)

    def kcat_group() -> list[str]:
        out = subprocess.run(["kcat", "-b", broker.bootstrap, "-G", group, topic, "-e", "-q",
                              "-X", "auto.offset.reset=earliest", "-f", "%p:%o:%s\n"],
                             capture_output=True, timeout=60, check=True)
        return out.stdout.decode().split()

    assert kcat_group() == [f"0:{i}:p0-{i}" for i in range(5)]
    assert committed(broker, group) == {(topic, 0): 5}
    assert kcat_group() == []
    produce(broker.bootstrap, topic, 1, 2, start=5)
    assert kcat_group() == ["0:5:p0-5", "0:6:p0-6"]
    assert committed(broker, group) == {(topic, 0): 7}
    state = describe(broker, group)
    assert (state["GroupState"], state["ProtocolType"], state["Members"]) == ("Empty", "consumer", [])


@pytest.mark.timeout(120)
def test_kafka_python_consumer_and_admin(broker):
    from kafka import KafkaAdminClient, KafkaConsumer
    from kafka import TopicPartition as KTopicPartition
    from kafka.structs import OffsetAndMetadata

    topic, group = unique("grp-kpy"), unique("g-kpy")
    create_topic(broker, topic, partitions=2)
    produce(broker.bootstrap, topic, 2, 3)
    kc = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group, auto_offset_reset="earliest",
                       enable_auto_commit=False, consumer_timeout_ms=20000, session_timeout_ms=6000,
                       heartbeat_interval_ms=500)
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        values = []
        for message in kc:
            values.append(message.value.decode())
            if len(values) == 6:
                break
        assert sorted(values) == sorted(f"p{p}-{i}" for p in range(2) for i in range(3))
        kc.commit({KTopicPartition(topic, 0): OffsetAndMetadata(3, "meta-0", -1),
                   KTopicPartition(topic, 1): OffsetAndMetadata(2, None, -1)})
        listed = {g["group_id"]: g for g in admin.list_groups()}
        assert listed[group]["group_state"] == "Stable" and listed[group]["protocol_type"] == "consumer"
        assert group in {g["group_id"] for g in admin.list_groups(states_filter=["Stable"])}
        assert group not in {g["group_id"] for g in admin.list_groups(states_filter=["Empty"])}
        description = admin.describe_groups([group])[group]
        assert description["group_state"] == "Stable" and description["protocol_data"] == "range"
        assert len(description["members"]) == 1
        assert committed(broker, group) == {(topic, 0): 3, (topic, 1): 2}
        # A group with a member cannot be deleted.
        assert admin.delete_groups([group]) == {group: "NonEmptyGroupError"}
    finally:
        kc.close()
    wait_until(lambda: describe(broker, group)["GroupState"] == "Empty", 30, "the group to be empty after close")
    assert admin.delete_groups([group, unique("never")])[group] == "OK"
    assert describe(broker, group)["GroupState"] == "Dead"
    assert committed(broker, group) == {}
    admin.close()


@pytest.mark.timeout(120)
def test_groups_are_spread_over_nodes_and_other_nodes_answer_not_coordinator(multi_node_broker):
    broker = multi_node_broker
    group = unique("g-multi")
    c = conn(broker)
    try:
        # The first lookup on a fresh data directory: COORDINATOR_NOT_AVAILABLE, as a real
        # broker creating __consumer_offsets answers; then the coordinator.
        _, _, first = c.call(10, 3, {"Key": group, "KeyType": 0})
        assert first["ErrorCode"] == 15
        _, _, found = c.call(10, 3, {"Key": group, "KeyType": 0})
        assert found["ErrorCode"] == 0
        # Transaction keys (type 1) name the transaction coordinator (test_transactions.py).
        _, _, txn = c.call(10, 3, {"Key": "some-txn", "KeyType": 1})
        assert txn["ErrorCode"] == 0 and (txn["Host"], txn["Port"]) in broker.addresses
    finally:
        c.close()
    node_ids = [found["NodeId"]]
    assert (found["Host"], found["Port"]) in broker.addresses
    coordinator_index = broker.addresses.index((found["Host"], found["Port"]))
    other = (coordinator_index + 1) % len(broker.addresses)
    join = {"GroupId": group, "SessionTimeoutMs": 10000, "RebalanceTimeoutMs": 10000, "MemberId": "",
            "GroupInstanceId": None, "ProtocolType": "consumer",
            "Protocols": [{"Name": "range", "Metadata": b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"}]}
    wrong = conn(broker, node=other)
    try:
        _, _, refused = wrong.call(11, 5, join)
        assert refused["ErrorCode"] == 16, refused
        _, _, hb = wrong.call(12, 3, {"GroupId": group, "GenerationId": 1, "MemberId": "m", "GroupInstanceId": None})
        assert hb["ErrorCode"] == 16
    finally:
        wrong.close()
    right = conn(broker, node=coordinator_index)
    try:
        _, _, answer = right.call(11, 5, join)
        assert answer["ErrorCode"] == 79, answer
    finally:
        right.close()
    assert node_ids[0] in (1, 2, 3)

    # And a real consumer group works over the three nodes.
    topic = unique("grp-multi")
    create_topic(broker, topic, partitions=3)
    produce(broker.bootstrap, topic, 3, 4)
    cons = consumer(broker.bootstrap, group)
    cons.subscribe([topic])
    seen = []
    try:
        wait_until(lambda: (poll_into(cons, seen), len(seen) >= 12)[1], DEADLINE, "12 records", interval=0)
        cons.commit(asynchronous=False)
    finally:
        cons.close()
    coordinator = conn(broker, node=coordinator_index)
    try:
        _, _, body = coordinator.call(9, 7, {"GroupId": group, "Topics": None, "RequireStable": False})
    finally:
        coordinator.close()
    assert {p["PartitionIndex"]: p["CommittedOffset"] for t in body["Topics"] for p in t["Partitions"]} == \
        {0: 4, 1: 4, 2: 4}


@pytest.mark.timeout(120)
def test_a_member_that_stops_heartbeating_is_removed_after_its_session_timeout(broker):
    topic, group = unique("grp-silent"), unique("g-silent")
    create_topic(broker, topic, partitions=2)
    produce(broker.bootstrap, topic, 2, 3)
    metadata = kwire.encode_request  # noqa: F841 - kwire is used below for raw frames
    subscription = b"\x00\x00" + b"\x00\x00\x00\x01" + len(topic).to_bytes(2, "big") + topic.encode() + b"\xff\xff\xff\xff"
    raw = conn(broker)
    try:
        join = {"GroupId": group, "SessionTimeoutMs": 6000, "RebalanceTimeoutMs": 6000, "MemberId": "",
                "GroupInstanceId": None, "ProtocolType": "consumer",
                "Protocols": [{"Name": "range", "Metadata": subscription}]}
        _, _, answer = raw.call(11, 3, join)  # v3: no MEMBER_ID_REQUIRED round trip
        assert answer["ErrorCode"] == 0 and answer["GenerationId"] == 1, answer
        member = answer["MemberId"]
        _, _, synced = raw.call(14, 3, {"GroupId": group, "GenerationId": 1, "MemberId": member,
                                        "GroupInstanceId": None, "Assignments": []})
        assert synced["ErrorCode"] == 0
    finally:
        raw.close()
    # The raw member never heartbeats again. A real consumer joins: the rebalance waits
    # for the silent member until its 6 s session ends, then the consumer gets everything.
    started = time.monotonic()
    cons = consumer(broker.bootstrap, group)
    cons.subscribe([topic])
    seen = []
    try:
        wait_until(lambda: (poll_into(cons, seen), assigned(cons) == {0, 1})[1], 40,
                   "the consumer to get both partitions", interval=0)
        waited = time.monotonic() - started
        state = describe(broker, group)
        assert [m["MemberId"] for m in state["Members"]] != [member] and len(state["Members"]) == 1
        assert waited >= 4.0, f"the silent member was dropped after {waited:.1f}s, before its session timeout"
    finally:
        cons.close()
    hb = conn(broker)
    try:
        _, _, body = hb.call(12, 3, {"GroupId": group, "GenerationId": 1, "MemberId": member, "GroupInstanceId": None})
        assert body["ErrorCode"] == 25  # UNKNOWN_MEMBER_ID
    finally:
        hb.close()
