"""Transactions on `causeway broker` with a real transactional producer (confluent-kafka,
librdkafka): commits and aborts over several partitions, read_committed and
read_uncommitted consumers, the markers in the log (raw Fetch), the last stable offset
and the aborted-transaction list of a read_committed Fetch, consume-transform-produce
with send_offsets_to_transaction, the coordinator aborting a transaction left open past
its timeout, and the coordinator's state across a broker restart.

Markers are written by the coordinator after EndTxn returns (as on Kafka), so every
check of the log polls with a deadline for the markers to land.
"""

from __future__ import annotations

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from broker_process import wait_until
from support import conn, create_topic, fetch_all_batches, kwire, unique

DEADLINE = 30.0


def txn_producer(bootstrap: str, transactional_id: str, **extra) -> Producer:
    conf = {"bootstrap.servers": bootstrap, "transactional.id": transactional_id, "linger.ms": 1}
    conf.update(extra)
    producer = Producer(conf)
    producer.init_transactions(DEADLINE)
    return producer


def consume_all(bootstrap: str, topic: str, partitions: int, isolation: str, expected: int) -> list[tuple[int, str]]:
    """Reads every partition from the start until `expected` records arrived and the
    consumer reached the end of each partition; returns (partition, value) pairs."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("reader"), "enable.auto.commit": False,
                  "isolation.level": isolation, "enable.partition.eof": True})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    seen, at_eof = [], set()
    try:
        def done():
            msg = c.poll(0.2)
            if msg is not None:
                if msg.error() is None:
                    seen.append((msg.partition(), msg.value().decode()))
                elif msg.error().code() == -191:  # _PARTITION_EOF
                    at_eof.add(msg.partition())
            return len(seen) >= expected and len(at_eof) == partitions
        wait_until(done, DEADLINE, f"{expected} records of {topic} ({isolation})")
        # Nothing more may arrive: poll a little past the end.
        for _ in range(5):
            msg = c.poll(0.1)
            assert msg is None or msg.error() is not None, f"unexpected extra record {msg.value()}"
    finally:
        c.close()
    return seen


def raw_batches(broker, topic: str, partition: int) -> list[dict]:
    return fetch_all_batches(broker, topic, partition)[0]


def markers(batches: list[dict]) -> list[tuple[int, str]]:
    return [(b["baseOffset"], b["records"][0]["control"]["type"]) for b in batches if b["isControl"]]


def wait_markers(broker, topic: str, partition: int, count: int) -> list[dict]:
    """Polls raw Fetch until the partition holds `count` markers."""
    holder = {}

    def enough():
        holder["b"] = raw_batches(broker, topic, partition)
        return len(markers(holder["b"])) >= count
    wait_until(enough, DEADLINE, f"{count} markers in {topic}-{partition}")
    return holder["b"]


def call(broker, api_key: int, version: int, body: dict) -> dict:
    c = conn(broker)
    try:
        _, _, d = c.call(api_key, version, body)
    finally:
        c.close()
    assert d is not None, f"broker closed the connection on API {api_key}"
    return d


def describe_txn(broker, transactional_id: str) -> dict:
    return call(broker, 65, 0, {"TransactionalIds": [transactional_id]})["TransactionStates"][0]


def fetch_committed(broker, topic: str, partition: int, offset: int) -> dict:
    d = call(broker, 1, 12, {
        "ReplicaId": -1, "MaxWaitMs": 0, "MinBytes": 0, "MaxBytes": 1 << 20, "IsolationLevel": 1,
        "SessionId": 0, "SessionEpoch": -1,
        "Topics": [{"Topic": topic, "Partitions": [{
            "Partition": partition, "CurrentLeaderEpoch": -1, "FetchOffset": offset, "LastFetchedEpoch": -1,
            "LogStartOffset": -1, "PartitionMaxBytes": 1 << 20}]}],
        "ForgottenTopicsData": [], "RackId": ""})
    return d["Responses"][0]["Partitions"][0]


def latest(broker, topic: str, partition: int, isolation: int) -> int:
    d = call(broker, 2, 9, {"ReplicaId": -1, "IsolationLevel": isolation, "Topics": [
        {"Name": topic, "Partitions": [{"PartitionIndex": partition, "CurrentLeaderEpoch": -1, "Timestamp": -1}]}]})
    return d["Topics"][0]["Partitions"][0]["Offset"]


def offset_fetch(broker, group: str, topic: str, require_stable: bool) -> tuple[int, int]:
    """OffsetFetch v8 of partition 0: (error code, committed offset)."""
    d = call(broker, 9, 8, {"Groups": [{"GroupId": group, "Topics": [{"Name": topic, "PartitionIndexes": [0]}]}],
                            "RequireStable": require_stable})
    part = d["Groups"][0]["Topics"][0]["Partitions"][0]
    return part["ErrorCode"], part["CommittedOffset"]


def run_transaction(producer: Producer, topic: str, partitions: int, tag: str, per_partition: int, commit: bool):
    producer.begin_transaction()
    for p in range(partitions):
        for i in range(per_partition):
            producer.produce(topic, value=f"{tag}-p{p}-{i}", partition=p)
    if commit:
        producer.commit_transaction(DEADLINE)
    else:
        # Flushed first: librdkafka drops unsent records on abort, and a transaction
        # whose records never reached a partition leaves no marker there.
        assert producer.flush(DEADLINE) == 0
        producer.abort_transaction(DEADLINE)


@pytest.mark.parametrize("nodes", [1, 3])
def test_commits_and_aborts_over_partitions(broker_factory, nodes):
    """With 3 nodes the partitions have different leaders and the coordinator is one of
    them: the producer must find it (FindCoordinator key type 1) and the markers reach
    every leader's partitions."""
    broker = broker_factory(nodes=nodes)
    topic, partitions = unique("txn"), 3
    create_topic(broker, topic, partitions)
    producer = txn_producer(broker.bootstrap, unique("tid"))
    plan = [("t1", 3, True), ("t2", 2, False), ("t3", 1, True), ("t4", 2, False), ("t5", 2, True)]
    for tag, n, commit in plan:
        run_transaction(producer, topic, partitions, tag, n, commit)

    committed = sorted((p, f"{tag}-p{p}-{i}") for tag, n, c in plan if c for p in range(partitions) for i in range(n))
    everything = sorted((p, f"{tag}-p{p}-{i}") for tag, n, _ in plan for p in range(partitions) for i in range(n))
    # One marker per partition per transaction, at one offset each, in transaction order.
    for p in range(partitions):
        batches = wait_markers(broker, topic, p, len(plan))
        found = markers(batches)
        assert [t for _, t in found] == ["COMMIT" if c else "ABORT" for _, _, c in plan], found
        for b in batches:
            if b["isControl"]:
                assert b["lastOffsetDelta"] == 0 and b["recordCount"] == 1 and b["baseSequence"] == -1, b
                assert b["attributes"] == 0x30 and b["crcValid"], b
        data = [b for b in batches if not b["isControl"]]
        assert all(b["isTransactional"] for b in data)
        # Offsets are contiguous: data and markers fill the partition without holes.
        offsets = sorted(o for b in batches for o in range(b["baseOffset"], b["lastOffset"] + 1))
        assert offsets == list(range(len(offsets))), offsets
    assert sorted(consume_all(broker.bootstrap, topic, partitions, "read_committed", len(committed))) == committed
    assert sorted(consume_all(broker.bootstrap, topic, partitions, "read_uncommitted", len(everything))) == everything


def test_read_committed_stops_at_the_open_transaction(broker):
    topic = unique("lso")
    create_topic(broker, topic, 1)
    producer = txn_producer(broker.bootstrap, unique("tid"))
    run_transaction(producer, topic, 1, "a", 3, True)   # 0-2 data, 3 COMMIT
    run_transaction(producer, topic, 1, "b", 2, False)  # 4-5 data, 6 ABORT
    wait_markers(broker, topic, 0, 2)
    producer.begin_transaction()
    producer.produce(topic, value="open", partition=0)  # 7, left open
    producer.flush(DEADLINE)
    wait_until(lambda: latest(broker, topic, 0, 0) == 8, DEADLINE, "the open transaction's record")

    part = fetch_committed(broker, topic, 0, 0)
    assert (part["HighWatermark"], part["LastStableOffset"]) == (8, 7)
    assert [(a["ProducerId"], a["FirstOffset"]) for a in part["AbortedTransactions"]] == \
        [(kwire.parse_batches(part["Records"])[0]["producerId"], 4)]
    returned = kwire.parse_batches(part["Records"])
    assert returned[-1]["lastOffset"] == 6, "read_committed returned data past the last stable offset"
    assert latest(broker, topic, 0, 1) == 7 and latest(broker, topic, 0, 0) == 8
    # From past the aborted transaction's marker: an empty list, not null.
    assert fetch_committed(broker, topic, 0, 7)["AbortedTransactions"] == []

    producer.commit_transaction(DEADLINE)
    wait_markers(broker, topic, 0, 3)
    part = fetch_committed(broker, topic, 0, 0)
    assert (part["HighWatermark"], part["LastStableOffset"]) == (9, 9)
    assert latest(broker, topic, 0, 1) == 9


def test_send_offsets_to_transaction(broker):
    source, sink, group = unique("in"), unique("out"), unique("ctp")
    create_topic(broker, source, 1)
    create_topic(broker, sink, 1)
    plain = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(10):
        plain.produce(source, value=f"v{i}", partition=0)
    assert plain.flush(DEADLINE) == 0

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([source])
    producer = txn_producer(broker.bootstrap, unique("tid"))
    try:
        def read(n):
            got = []
            wait_until(lambda: (got.extend(m for m in [consumer.poll(0.2)] if m is not None and m.error() is None)
                                or len(got) >= n), DEADLINE, f"{n} input records")
            return got

        # Transaction 1: transform 6 records, commit them with the consumer's offsets.
        batch = read(6)[:6]
        producer.begin_transaction()
        for m in batch:
            producer.produce(sink, value=m.value().upper(), partition=0)
        producer.send_offsets_to_transaction([TopicPartition(source, 0, batch[-1].offset() + 1)],
                                             consumer.consumer_group_metadata(), DEADLINE)
        producer.flush(DEADLINE)
        # Not visible to OffsetFetch before the commit; require_stable (KIP-447) says so.
        assert offset_fetch(broker, group, source, require_stable=False) == (0, -1)
        assert offset_fetch(broker, group, source, require_stable=True) == (88, -1)  # UNSTABLE_OFFSET_COMMIT
        producer.commit_transaction(DEADLINE)
        wait_until(lambda: offset_fetch(broker, group, source, require_stable=True) == (0, 6), DEADLINE,
                   "the transaction's offset 6")
        assert consumer.committed([TopicPartition(source, 0)], 10)[0].offset == 6

        # Transaction 2: aborted, so its offset is never committed.
        producer.begin_transaction()
        producer.produce(sink, value=b"dropped", partition=0)
        assert producer.flush(DEADLINE) == 0
        producer.send_offsets_to_transaction([TopicPartition(source, 0, 10)], consumer.consumer_group_metadata(),
                                             DEADLINE)
        producer.abort_transaction(DEADLINE)
        wait_markers(broker, sink, 0, 2)
        assert consumer.committed([TopicPartition(source, 0)], 10)[0].offset == 6
    finally:
        consumer.close()
    out = consume_all(broker.bootstrap, sink, 1, "read_committed", 6)
    assert sorted(v for _, v in out) == sorted(f"V{i}" for i in range(6))


def test_open_transaction_is_aborted_after_its_timeout(broker_factory):
    broker = broker_factory(transaction_timeout_check_interval_ms=100)
    topic, tid = unique("timeout"), unique("tid")
    create_topic(broker, topic, 2)
    producer = txn_producer(broker.bootstrap, tid, **{"transaction.timeout.ms": 2000})
    before = describe_txn(broker, tid)
    producer.begin_transaction()
    for p in range(2):
        producer.produce(topic, value=f"late-{p}", partition=p)
    producer.flush(DEADLINE)
    assert describe_txn(broker, tid)["TransactionState"] == "Ongoing"

    wait_until(lambda: describe_txn(broker, tid)["TransactionState"] == "CompleteAbort", DEADLINE,
               "the coordinator to abort the timed-out transaction")
    after = describe_txn(broker, tid)
    assert after["ProducerId"] == before["ProducerId"]
    assert after["ProducerEpoch"] == before["ProducerEpoch"] + 1, "the producer was not fenced"
    for p in range(2):
        batches = wait_markers(broker, topic, p, 1)
        assert markers(batches) == [(1, "ABORT")]
        assert [b["producerEpoch"] for b in batches] == [before["ProducerEpoch"], before["ProducerEpoch"] + 1]
    with pytest.raises(KafkaException):
        producer.commit_transaction(DEADLINE)
    assert consume_all(broker.bootstrap, topic, 2, "read_committed", 0) == []


@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
def test_coordinator_state_survives_restart(broker, stop):
    topic, tid = unique("durable"), unique("tid")
    create_topic(broker, topic, 2)
    producer = txn_producer(broker.bootstrap, tid)
    run_transaction(producer, topic, 2, "kept", 2, True)
    wait_markers(broker, topic, 0, 1)
    producer.begin_transaction()
    for p in range(2):
        producer.produce(topic, value=f"open-{p}", partition=p)
    producer.flush(DEADLINE)
    before = describe_txn(broker, tid)
    assert before["TransactionState"] == "Ongoing"
    assert sorted((t["Topic"], sorted(t["Partitions"])) for t in before["Topics"]) == [(topic, [0, 1])]
    listed = call(broker, 66, 1, {"StateFilters": ["Ongoing"], "ProducerIdFilters": [before["ProducerId"]],
                                  "DurationFilter": -1})
    assert [t["TransactionalId"] for t in listed["TransactionStates"]] == [tid]

    if stop == "kill9":
        broker.kill9()  # every coordinator change is fsynced before it is answered
    else:
        broker.stop()
    broker.restart()
    after = describe_txn(broker, tid)
    for key in ("TransactionState", "ProducerId", "ProducerEpoch", "TransactionTimeoutMs", "TransactionStartTimeMs"):
        assert after[key] == before[key], key
    assert sorted((t["Topic"], sorted(t["Partitions"])) for t in after["Topics"]) == [(topic, [0, 1])]
    assert latest(broker, topic, 0, 1) == 3, "the last stable offset must stay at the open transaction"

    # A new producer with the same transactional id fences the old one and aborts its
    # transaction: a fence epoch for the ABORT marker, then one more for the new producer.
    successor = txn_producer(broker.bootstrap, tid)
    run_transaction(successor, topic, 2, "next", 1, True)
    state = describe_txn(broker, tid)
    assert state["ProducerId"] == before["ProducerId"] and state["ProducerEpoch"] == before["ProducerEpoch"] + 2
    for p in range(2):
        assert [t for _, t in markers(wait_markers(broker, topic, p, 3))] == ["COMMIT", "ABORT", "COMMIT"]
    got = sorted(v for _, v in consume_all(broker.bootstrap, topic, 2, "read_committed", 6))
    assert got == sorted([f"kept-p{p}-{i}" for p in range(2) for i in range(2)] + [f"next-p{p}-0" for p in range(2)])


# -- the FINDINGS f layout, against the real broker's recorded answers -------------------

def _f_case(name: str) -> dict:
    import json
    from support import CONFORMANCE_DIR
    for line in (CONFORMANCE_DIR / "cases.jsonl").read_text().splitlines():
        if line.strip():
            case = json.loads(line)
            if case["name"] == name:
                return case
    pytest.skip(f"conformance case {name} is not in the corpus")


def _batch_shape(batch: dict) -> tuple:
    control = batch["records"][0]["control"]["type"] if batch["isControl"] else None
    return (batch["baseOffset"], batch["lastOffsetDelta"], batch["recordCount"], batch["attributes"], control)


def _replay_and_compare(c, name: str, producer_id: int, recorded_producer_id: int = 6):
    """Sends a recorded f request and compares its answer with the recorded one: error
    codes, offsets, high watermark, last stable offset, aborted transactions (producer id
    mapped to this broker's) and the shape of every returned batch. Producer epochs,
    timestamps and CRCs differ by construction (Java's transactions version 2 bumps the
    epoch at each end; see FINDINGS f)."""
    case = _f_case(name)
    api_key, version = case["api_key"], case["api_version"]
    got = c.send_frame(bytes.fromhex(case["request_hex"]))
    assert got, f"{name}: connection closed"
    _, want = kwire.decode_response(api_key, version, bytes.fromhex(case["response_hex"]))
    _, have = kwire.decode_response(api_key, version, got)
    if api_key == 2:
        assert kwire.key_fields(have) == kwire.key_fields(want), name
        return
    wp, hp = want["Responses"][0]["Partitions"][0], have["Responses"][0]["Partitions"][0]
    for key in ("ErrorCode", "HighWatermark", "LastStableOffset", "LogStartOffset"):
        assert hp[key] == wp[key], f"{name}: {key} {hp[key]} != recorded {wp[key]}"
    def aborted(p, pid):
        if p["AbortedTransactions"] is None:
            return None
        return [(a["ProducerId"] == pid, a["FirstOffset"]) for a in p["AbortedTransactions"]]
    assert aborted(hp, producer_id) == aborted(wp, recorded_producer_id), name
    assert [_batch_shape(b) for b in kwire.parse_batches(hp["Records"] or b"")] == \
        [_batch_shape(b) for b in kwire.parse_batches(wp["Records"] or b"")], name


def test_findings_f_layout_gets_the_recorded_answers(broker):
    """Rebuilds FINDINGS f's cf-txn[0] (commit 3, abort 2, commit 2, then 1 left open) with
    a raw transactional session, then replays the recorded Fetch and ListOffsets."""
    setup = _f_case("f_fetch_v12_read_committed_open_txn")["setup"][0]
    c = conn(broker)
    try:
        assert c.send_frame(bytes.fromhex(setup["request_hex"]))
        assert kwire.wait_for_topics(c, ["cf-txn"], timeout=15)
        tid = "cf-txn-1"
        _, _, init = c.call(22, 4, {"TransactionalId": tid, "TransactionTimeoutMs": 60000,
                                    "ProducerId": -1, "ProducerEpoch": -1})
        assert init["ErrorCode"] == 0, kwire.err(init["ErrorCode"])
        pid, epoch, sequence, end = init["ProducerId"], init["ProducerEpoch"], 0, 0

        def transaction(records: int, outcome: bool | None):
            nonlocal epoch, sequence, end
            _, _, added = c.call(24, 3, {"V3AndBelowTransactionalId": tid, "V3AndBelowProducerId": pid,
                                         "V3AndBelowProducerEpoch": epoch,
                                         "V3AndBelowTopics": [{"Name": "cf-txn", "Partitions": [0]}]})
            assert added["ResultsByTopicV3AndBelow"][0]["ResultsByPartition"][0]["PartitionErrorCode"] == 0
            batch = kwire.build_batch([{"value": f"r{i}".encode()} for i in range(records)], producer_id=pid,
                                      producer_epoch=epoch, base_sequence=sequence, transactional=True)
            _, _, produced = c.call(0, 9, {"TransactionalId": tid, "Acks": -1, "TimeoutMs": 30000, "TopicData": [
                {"Name": "cf-txn", "PartitionData": [{"Index": 0, "Records": batch}]}]})
            part = produced["Responses"][0]["PartitionResponses"][0]
            assert (part["ErrorCode"], part["BaseOffset"]) == (0, end), part
            sequence += records
            end += records
            if outcome is None:
                return
            _, _, ended = c.call(26, 3, {"TransactionalId": tid, "ProducerId": pid, "ProducerEpoch": epoch,
                                         "Committed": outcome})
            assert ended["ErrorCode"] == 0, kwire.err(ended["ErrorCode"])
            end += 1
            wait_until(lambda: latest(broker, "cf-txn", 0, 0) == end, DEADLINE, f"the marker at {end - 1}")
            # Between transactions the producer re-initialises with its id and epoch
            # (KIP-360), which bumps the epoch as Java's producer does (FINDINGS f: 0, 1, 2, 3).
            _, _, again = c.call(22, 4, {"TransactionalId": tid, "TransactionTimeoutMs": 60000,
                                         "ProducerId": pid, "ProducerEpoch": epoch})
            assert (again["ErrorCode"], again["ProducerId"], again["ProducerEpoch"]) == (0, pid, epoch + 1), again
            epoch, sequence = epoch + 1, 0

        transaction(3, True)
        transaction(2, False)
        transaction(2, True)
        transaction(1, None)
        for name in ("f_fetch_v12_read_committed_open_txn", "f_listoffsets_latest_read_committed_open_txn",
                     "f_listoffsets_latest_read_uncommitted_open_txn"):
            _replay_and_compare(c, name, pid)
        _, _, ended = c.call(26, 3, {"TransactionalId": tid, "ProducerId": pid, "ProducerEpoch": epoch,
                                     "Committed": True})
        assert ended["ErrorCode"] == 0
        wait_until(lambda: latest(broker, "cf-txn", 0, 1) == 12, DEADLINE, "the last COMMIT at 11")
        for name in ("f_fetch_v12_read_uncommitted_all", "f_fetch_v12_read_committed_from_4",
                     "f_listoffsets_latest_read_committed_all"):
            _replay_and_compare(c, name, pid)
    finally:
        c.close()


def test_coordinator_errors_over_the_wire(broker):
    """The coordinator's answers to requests that do not fit, raw: Produce to a partition
    not added (KIP-890 verification), AddPartitionsToTxn v5 VerifyOnly, stale epochs,
    EndTxn without a transaction, DescribeTransactions and ListTransactions filters."""
    topic, tid = unique("errors"), unique("tid")
    create_topic(broker, topic, 2)
    c = conn(broker)
    try:
        _, _, init = c.call(22, 4, {"TransactionalId": tid, "TransactionTimeoutMs": 60000,
                                    "ProducerId": -1, "ProducerEpoch": -1})
        pid, epoch = init["ProducerId"], init["ProducerEpoch"]
        assert (init["ErrorCode"], epoch) == (0, 0)
        assert c.call(22, 4, {"TransactionalId": tid, "TransactionTimeoutMs": 900001, "ProducerId": -1,
                              "ProducerEpoch": -1})[2]["ErrorCode"] == 50  # INVALID_TRANSACTION_TIMEOUT
        assert c.call(26, 3, {"TransactionalId": tid, "ProducerId": pid, "ProducerEpoch": epoch,
                              "Committed": True})[2]["ErrorCode"] == 48  # INVALID_TXN_STATE: nothing open

        def add(partition, producer_epoch=epoch, version=3):
            _, _, d = c.call(24, version, {"V3AndBelowTransactionalId": tid, "V3AndBelowProducerId": pid,
                                           "V3AndBelowProducerEpoch": producer_epoch,
                                           "V3AndBelowTopics": [{"Name": topic, "Partitions": [partition]}]})
            return d["ResultsByTopicV3AndBelow"][0]["ResultsByPartition"][0]["PartitionErrorCode"]

        def produce(partition, producer_epoch=epoch, sequence=0):
            batch = kwire.build_batch([{"value": b"x"}], producer_id=pid, producer_epoch=producer_epoch,
                                      base_sequence=sequence, transactional=True)
            _, _, d = c.call(0, 9, {"TransactionalId": tid, "Acks": -1, "TimeoutMs": 30000, "TopicData": [
                {"Name": topic, "PartitionData": [{"Index": partition, "Records": batch}]}]})
            return d["Responses"][0]["PartitionResponses"][0]["ErrorCode"]

        def verify(partition):
            _, _, d = c.call(24, 5, {"Transactions": [{"TransactionalId": tid, "ProducerId": pid,
                                                       "ProducerEpoch": epoch, "VerifyOnly": True,
                                                       "Topics": [{"Name": topic, "Partitions": [partition]}]}]})
            return d["ResultsByTransaction"][0]["TopicResults"][0]["ResultsByPartition"][0]["PartitionErrorCode"]

        assert produce(0) == 48  # INVALID_TXN_STATE: the partition was not added
        assert add(0) == 0 and produce(0) == 0
        assert verify(0) == 0 and verify(1) == 48
        assert produce(1) == 48
        assert add(1, producer_epoch=7) == 90  # PRODUCER_FENCED
        assert add(1, producer_epoch=7, version=1) == 47  # INVALID_PRODUCER_EPOCH before v2
        assert c.call(24, 3, {"V3AndBelowTransactionalId": tid, "V3AndBelowProducerId": pid,
                              "V3AndBelowProducerEpoch": epoch, "V3AndBelowTopics": [
                                  {"Name": topic, "Partitions": [0]}, {"Name": "no-such-topic", "Partitions": [0]}]}
                      )[2]["ResultsByTopicV3AndBelow"] == [
            {"Name": topic, "ResultsByPartition": [{"PartitionIndex": 0, "PartitionErrorCode": 55}]},
            {"Name": "no-such-topic", "ResultsByPartition": [{"PartitionIndex": 0, "PartitionErrorCode": 3}]}]

        state = describe_txn(broker, tid)
        assert (state["TransactionState"], state["ProducerId"], state["ProducerEpoch"]) == ("Ongoing", pid, 0)
        assert describe_txn(broker, unique("nobody"))["ErrorCode"] == 105  # TRANSACTIONAL_ID_NOT_FOUND
        listed = call(broker, 66, 1, {"StateFilters": ["Ongoing", "Bogus"], "ProducerIdFilters": [],
                                      "DurationFilter": -1})
        assert listed["UnknownStateFilters"] == ["Bogus"]
        assert tid in [t["TransactionalId"] for t in listed["TransactionStates"]]
        assert tid not in [t["TransactionalId"] for t in call(broker, 66, 0, {
            "StateFilters": ["CompleteCommit"], "ProducerIdFilters": []})["TransactionStates"]]
        assert call(broker, 66, 0, {"StateFilters": [], "ProducerIdFilters": [pid + 1000]})["TransactionStates"] == []

        assert c.call(26, 3, {"TransactionalId": tid, "ProducerId": pid, "ProducerEpoch": epoch,
                              "Committed": True})[2]["ErrorCode"] == 0
        assert c.call(26, 3, {"TransactionalId": tid, "ProducerId": pid, "ProducerEpoch": epoch,
                              "Committed": False})[2]["ErrorCode"] in (48, 51)
        wait_until(lambda: describe_txn(broker, tid)["TransactionState"] == "CompleteCommit", DEADLINE,
                   "the commit to complete")
        assert c.call(26, 3, {"TransactionalId": tid, "ProducerId": pid, "ProducerEpoch": epoch,
                              "Committed": True})[2]["ErrorCode"] == 0  # a retry
        assert markers(raw_batches(broker, topic, 0)) == [(1, "COMMIT")]
        assert markers(raw_batches(broker, topic, 1)) == [], "partition 1 was never added"
    finally:
        c.close()


def test_kafka_python_transactions(broker):
    """kafka-python's transactional producer (its own protocol versions) and its
    read_committed / read_uncommitted consumers."""
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KTopicPartition
    topic = unique("kp")
    create_topic(broker, topic, 2)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, transactional_id=unique("kp-tid"))
    try:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, b"c1", partition=0)
        producer.send(topic, b"c2", partition=1)
        producer.commit_transaction()
        producer.begin_transaction()
        producer.send(topic, b"a1", partition=0)
        producer.flush()
        producer.abort_transaction()
        producer.begin_transaction()
        producer.send(topic, b"c3", partition=1)
        producer.commit_transaction()
    finally:
        producer.close()
    for p, count in ((0, 2), (1, 2)):
        wait_markers(broker, topic, p, count)

    def read(isolation: str, expected: int) -> list[bytes]:
        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, isolation_level=isolation,
                                 auto_offset_reset="earliest", enable_auto_commit=False)
        consumer.assign([KTopicPartition(topic, 0), KTopicPartition(topic, 1)])
        seen: list[bytes] = []
        try:
            def done():
                for records in consumer.poll(timeout_ms=200).values():
                    seen.extend(r.value for r in records)
                return len(seen) >= expected
            wait_until(done, DEADLINE, f"{expected} records ({isolation})")
            assert not any(consumer.poll(timeout_ms=300).values()), "records past the expected ones"
        finally:
            consumer.close()
        return sorted(seen)

    assert read("read_committed", 3) == [b"c1", b"c2", b"c3"]
    assert read("read_uncommitted", 4) == [b"a1", b"c1", b"c2", b"c3"]
