"""kafka-python's KafkaAdminClient against the embedded broker: topics with configs,
DescribeConfigs (values and sources), IncrementalAlterConfigs, CreatePartitions,
DeleteTopics, and the errors a real Kafka 4.0 broker gives for bad input.

create_topics passes num_partitions and replication_factor explicitly: kafka-python
infers the broker's version from its ApiVersions, and until ListOffsets v10 is
advertised it guesses 1.0, for which it insists on both.
"""

from __future__ import annotations

import re

import pytest
from kafka.admin import AlterConfigOp, ConfigResource, KafkaAdminClient

from support import kwire, leaders, unique, wait_until

# Kafka 4.0 topic defaults (README of the conformance corpus, TopicConfig of Kafka 4.0).
KAFKA_DEFAULTS = {
    "cleanup.policy": "delete",
    "compression.type": "producer",
    "max.message.bytes": "1048588",
    "message.timestamp.type": "CreateTime",
    "message.timestamp.after.max.ms": "3600000",
    "message.timestamp.before.max.ms": "9223372036854775807",
    "min.insync.replicas": "1",
    "retention.ms": "604800000",
    "retention.bytes": "-1",
    "segment.bytes": "1073741824",
}

INVALID_CONFIG, TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_PARTITIONS = 40, 36, 17, 37
INVALID_REPLICATION_FACTOR, UNKNOWN_TOPIC = 38, 3


@pytest.fixture
def admin(broker):
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="causeway-e2e-admin",
                              request_timeout_ms=10000)
    yield client
    client.close()


def create(admin, name, partitions=1, configs=None, **kw):
    spec = {"num_partitions": partitions, "replication_factor": 1, "configs": configs or {}}
    return admin.create_topics({name: spec}, raise_errors=False, **kw)


def topic_error(result, name):
    return next(t["error_code"] for t in result["topics"] if t["name"] == name)


def alter_error(result, name) -> int:
    """kafka-python reports each resource as "OK" or "[Error N] Name: message"."""
    outcome = result["topic"][name]
    if outcome == "OK":
        return 0
    m = re.match(r"\[Error (-?\d+)\]", str(outcome))
    assert m, f"unexpected alter_configs outcome {outcome!r}"
    return int(m.group(1))


def describe(admin, name, config_filter="all"):
    r = admin.describe_configs([ConfigResource("TOPIC", name)], config_filter=config_filter)
    return r["topic"][name]


def test_create_with_configs_then_describe_values_and_sources(admin):
    name = unique("adm-create")
    configs = {"retention.ms": "123456", "cleanup.policy": "compact",
               "compression.type": "zstd", "max.message.bytes": "2000000",
               "message.timestamp.type": "LogAppendTime"}
    result = create(admin, name, partitions=3, configs=configs, wait_for_metadata=True)
    assert topic_error(result, name) == 0, result
    created = result["topics"][0]
    assert created["num_partitions"] == 3 and created["replication_factor"] == 1
    # CreateTopics v5+ returns the topic's configs: what we set, and defaults elsewhere.
    for key, value in configs.items():
        assert created["configs"][key]["value"] == value, (key, created["configs"][key])
        assert created["configs"][key]["config_source"] == "DYNAMIC_TOPIC_CONFIG"

    described = describe(admin, name)
    for key, value in configs.items():
        assert described[key]["value"] == value, (key, described[key])
        assert described[key]["config_source"] == "DYNAMIC_TOPIC_CONFIG", (key, described[key])
    for key, value in KAFKA_DEFAULTS.items():
        if key in configs:
            continue
        assert described[key]["value"] == value, (key, described[key])
        assert described[key]["config_source"] == "DEFAULT_CONFIG", (key, described[key])
    assert described["compression.type"]["config_type"] == "STRING"
    assert described["cleanup.policy"]["config_type"] == "LIST"
    assert described["retention.ms"]["config_type"] == "LONG"

    # The default filter ("modified") lists exactly what was set.
    assert set(describe(admin, name, "modified")) == set(configs)
    # Asking for named keys returns only those.
    only = admin.describe_configs([ConfigResource("TOPIC", name, ["retention.ms", "segment.bytes"])],
                                  config_filter="all")["topic"][name]
    assert set(only) == {"retention.ms", "segment.bytes"}
    assert len(leaders_of(admin, name)) == 3


def leaders_of(admin, name):
    [t] = admin.describe_topics([name])
    assert t["error_code"] == 0, t
    assert all(p["error_code"] == 0 and p["leader_id"] >= 0 for p in t["partitions"]), t
    return {p["partition_index"]: p["leader_id"] for p in t["partitions"]}


def test_incremental_alter_set_delete_append_subtract(admin):
    name = unique("adm-alter")
    assert topic_error(create(admin, name, configs={"retention.ms": "1000"}, wait_for_metadata=True), name) == 0

    r = admin.alter_configs([ConfigResource("TOPIC", name, {
        "retention.ms": (AlterConfigOp.SET, "86400000"),
        "max.message.bytes": (AlterConfigOp.SET, "500000")})], incremental=True)
    assert alter_error(r, name) == 0, r
    d = describe(admin, name)
    assert d["retention.ms"]["value"] == "86400000"
    assert d["max.message.bytes"]["value"] == "500000"
    assert d["max.message.bytes"]["config_source"] == "DYNAMIC_TOPIC_CONFIG"
    # Incremental: what was not named keeps its value.
    assert d["compression.type"]["value"] == "producer"

    r = admin.alter_configs([ConfigResource("TOPIC", name, {
        "cleanup.policy": (AlterConfigOp.APPEND, "compact")})], incremental=True)
    assert alter_error(r, name) == 0, r
    assert describe(admin, name)["cleanup.policy"]["value"] == "delete,compact"
    r = admin.alter_configs([ConfigResource("TOPIC", name, {
        "cleanup.policy": (AlterConfigOp.SUBTRACT, "delete")})], incremental=True)
    assert alter_error(r, name) == 0, r
    assert describe(admin, name)["cleanup.policy"]["value"] == "compact"

    # DELETE reverts to the default, and the source says so.
    r = admin.alter_configs([ConfigResource("TOPIC", name, {
        "retention.ms": (AlterConfigOp.DELETE, None),
        "cleanup.policy": (AlterConfigOp.DELETE, None)})], incremental=True)
    assert alter_error(r, name) == 0, r
    d = describe(admin, name)
    assert (d["retention.ms"]["value"], d["retention.ms"]["config_source"]) == ("604800000", "DEFAULT_CONFIG")
    assert (d["cleanup.policy"]["value"], d["cleanup.policy"]["config_source"]) == ("delete", "DEFAULT_CONFIG")
    assert set(describe(admin, name, "modified")) == {"max.message.bytes"}

    # validate_only changes nothing.
    r = admin.alter_configs([ConfigResource("TOPIC", name, {"retention.ms": (AlterConfigOp.SET, "5")})],
                            validate_only=True, incremental=True)
    assert alter_error(r, name) == 0, r
    assert describe(admin, name)["retention.ms"]["value"] == "604800000"


@pytest.mark.parametrize("key,value", [
    ("retention.ms", "abc"), ("retention.ms", "-2"), ("cleanup.policy", "bogus"),
    ("compression.type", "brotli"), ("max.message.bytes", "-5"),
    ("message.timestamp.type", "WallClock"), ("min.insync.replicas", "0"),
    ("no.such.config", "1"),
])
def test_invalid_config_value_is_invalid_config(admin, key, value):
    name = unique("adm-badcfg")
    result = create(admin, name, configs={key: value})
    assert topic_error(result, name) == INVALID_CONFIG, result
    assert name not in admin.list_topics()

    # The same value through IncrementalAlterConfigs on an existing topic.
    good = unique("adm-badalter")
    assert topic_error(create(admin, good, wait_for_metadata=True), good) == 0
    r = admin.alter_configs([ConfigResource("TOPIC", good, {key: (AlterConfigOp.SET, value)})],
                            incremental=True, raise_on_unknown=False)
    assert alter_error(r, good) == INVALID_CONFIG, r
    # Nothing changed.
    assert describe(admin, good, "modified") == {}


def test_existing_topic_is_topic_already_exists(admin):
    name = unique("adm-exists")
    assert topic_error(create(admin, name, wait_for_metadata=True), name) == 0
    result = create(admin, name, partitions=2)
    assert topic_error(result, name) == TOPIC_ALREADY_EXISTS, result
    assert len(leaders_of(admin, name)) == 1  # the original is untouched


@pytest.mark.parametrize("name", ["bad/name", "spaces are bad", "", ".", "..", "x" * 250, "ümlaut"])
def test_bad_topic_name_is_invalid_topic_exception(admin, name):
    result = create(admin, name)
    assert topic_error(result, name) == INVALID_TOPIC, result


def test_bad_partition_and_replication_counts(admin):
    name = unique("adm-counts")
    r = admin.create_topics({name: {"num_partitions": 0, "replication_factor": 1}}, raise_errors=False)
    assert topic_error(r, name) == INVALID_PARTITIONS, r
    r = admin.create_topics({name: {"num_partitions": 1, "replication_factor": 3}}, raise_errors=False)
    assert topic_error(r, name) == INVALID_REPLICATION_FACTOR, r  # one node
    assert name not in admin.list_topics()


def test_validate_only_creates_nothing(admin):
    name = unique("adm-validate")
    r = create(admin, name, partitions=2, configs={"retention.ms": "1000"}, validate_only=True)
    assert topic_error(r, name) == 0, r
    assert name not in admin.list_topics()
    r = create(admin, name, configs={"retention.ms": "x"}, validate_only=True)
    assert topic_error(r, name) == INVALID_CONFIG, r


def test_create_partitions_grows_and_rejects_decrease(admin, broker):
    name = unique("adm-parts")
    assert topic_error(create(admin, name, partitions=2, wait_for_metadata=True), name) == 0
    r = admin.create_partitions({name: 5}, raise_errors=False)
    assert r.results[0].error_code == 0, r
    wait_until(lambda: len(leaders(broker, name)) == 5, 10, "5 partitions in Metadata")
    assert all(l >= 0 for l in leaders(broker, name).values())

    for count in (3, 5):  # decrease, and no increase
        r = admin.create_partitions({name: count}, raise_errors=False)
        assert r.results[0].error_code == INVALID_PARTITIONS, (count, r)
    assert len(leaders(broker, name)) == 5

    r = admin.create_partitions({unique("adm-nosuch"): 3}, raise_errors=False)
    assert r.results[0].error_code == UNKNOWN_TOPIC, r


def test_delete_topics(admin, broker):
    names = [unique("adm-del-a"), unique("adm-del-b")]
    for n in names:
        assert topic_error(create(admin, n, configs={"retention.ms": "1000"}, wait_for_metadata=True), n) == 0
    r = admin.delete_topics(names)
    assert all(t["error_code"] == 0 for t in r["topics"]), r
    wait_until(lambda: not set(names) & set(admin.list_topics()), 10, "deleted topics to leave Metadata")

    r = admin.delete_topics([unique("adm-del-none")], raise_errors=False)
    assert r["topics"][0]["error_code"] == UNKNOWN_TOPIC, r

    # Re-creating a deleted name gives a fresh topic: old configs are gone.
    assert topic_error(create(admin, names[0], wait_for_metadata=True), names[0]) == 0
    assert describe(admin, names[0], "modified") == {}


def metadata_brokers(broker):
    c = kwire.Conn(broker.host, broker.port)
    try:
        _, _, d = c.call(3, 12, {"Topics": [], "AllowAutoTopicCreation": False,
                                 "IncludeTopicAuthorizedOperations": False})
    finally:
        c.close()
    return d["Brokers"]


def test_multi_node_admin(broker_factory):
    cluster = broker_factory(nodes=3)
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, request_timeout_ms=10000)
    try:
        name = unique("adm-multi")
        r = client.create_topics({name: {"num_partitions": 6, "replication_factor": 1,
                                         "configs": {"retention.ms": "3600000"}}},
                                 raise_errors=False, wait_for_metadata=True)
        assert topic_error(r, name) == 0, r
        lead = leaders(cluster, name)
        assert sorted(lead) == list(range(6))
        node_ids = {b["NodeId"] for b in metadata_brokers(cluster)}
        assert len(node_ids) == 3, node_ids
        assert set(lead.values()) <= node_ids, (lead, node_ids)
        assert len(set(lead.values())) > 1, f"all 6 partitions led by one node: {lead}"
        # Every node answers Metadata and DescribeConfigs the same way.
        for i in range(3):
            c = kwire.Conn(*cluster.addresses[i])
            try:
                _, _, d = c.call(32, 4, {"Resources": [{"ResourceType": 2, "ResourceName": name,
                                                          "ConfigurationKeys": ["retention.ms"]}],
                                         "IncludeSynonyms": False, "IncludeDocumentation": False})
            finally:
                c.close()
            res = d["Results"][0]
            assert res["ErrorCode"] == 0, kwire.err(res["ErrorCode"])
            assert [(x["Name"], x["Value"]) for x in res["Configs"]] == [("retention.ms", "3600000")]
    finally:
        client.close()


@pytest.mark.parametrize("auto_create", [True, False])
def test_metadata_auto_create(broker_factory, auto_create):
    """auto.create.topics.enable: Metadata asking to create an unknown topic creates it
    with num.partitions (--partitions) partitions, unless --disable-auto-create-topics."""
    broker = broker_factory(partitions=3, auto_create_topics=auto_create)
    name = unique("adm-auto")
    c = kwire.Conn(broker.host, broker.port)
    try:
        def ask():
            _, _, d = c.call(3, 12, {"Topics": [{"Name": name}], "AllowAutoTopicCreation": True,
                                     "IncludeTopicAuthorizedOperations": False})
            return d["Topics"][0]
        first = ask()
        if auto_create:
            # Kafka answers LEADER_NOT_AVAILABLE (5) or NONE while the topic is being created.
            assert first["ErrorCode"] in (0, 5), kwire.err(first["ErrorCode"])
            topic = wait_until(lambda: (lambda t: t if t["ErrorCode"] == 0 and t["Partitions"] else None)(ask()),
                               10, "the auto-created topic")
            assert sorted(p["PartitionIndex"] for p in topic["Partitions"]) == [0, 1, 2]
        else:
            assert first["ErrorCode"] == UNKNOWN_TOPIC, kwire.err(first["ErrorCode"])
            assert ask()["ErrorCode"] == UNKNOWN_TOPIC
        # Without AllowAutoTopicCreation an unknown topic is never created.
        other = unique("adm-noauto")
        _, _, d = c.call(3, 12, {"Topics": [{"Name": other}], "AllowAutoTopicCreation": False,
                                 "IncludeTopicAuthorizedOperations": False})
        assert d["Topics"][0]["ErrorCode"] == UNKNOWN_TOPIC
    finally:
        c.close()
