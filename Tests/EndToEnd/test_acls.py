"""ACLs and the authorizer of `causeway broker --authorizer`, driven by real clients.

Until SASL listeners exist every connection acts as User:ANONYMOUS, so the tests use
the bootstrap the docs describe: start with User:ANONYMOUS as super user, create the
ACLs, restart with another super user. The ACLs survive the restart (they are kept in
the data directory) and User:ANONYMOUS is then an ordinary principal whose rights are
exactly what the ACLs grant.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation,
                                   AclPermissionType, AdminClient, ResourcePatternType,
                                   ResourceType)

from support import conn, create_topic, list_offset, unique

ANONYMOUS = "User:ANONYMOUS"
# confluent-kafka calls Kafka's CLUSTER resource type (code 4) BROKER.
CLUSTER = ResourceType.BROKER
TIMEOUT = 15


@pytest.fixture
def acl_broker(broker_factory):
    """start(authorizer_args) -> a broker with those options; change `extra_args` between restarts."""
    return lambda authorizer_args: broker_factory(name="acl", extra_args=authorizer_args)


def admin(broker) -> AdminClient:
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def everything() -> AclBindingFilter:
    return AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                            AclOperation.ANY, AclPermissionType.ANY)


def create_acls(broker, bindings: list[AclBinding]):
    client = admin(broker)  # kept alive until the futures complete
    futures = client.create_acls(bindings, request_timeout=TIMEOUT)
    for future in futures.values():
        future.result(timeout=TIMEOUT)


def describe(broker, acl_filter: AclBindingFilter) -> set[tuple]:
    client = admin(broker)
    found = client.describe_acls(acl_filter, request_timeout=TIMEOUT).result(timeout=TIMEOUT)
    return {(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
             b.permission_type) for b in found}


def allow(restype, name, operation, principal=ANONYMOUS, pattern=ResourcePatternType.LITERAL,
          permission=AclPermissionType.ALLOW) -> AclBinding:
    return AclBinding(restype, name, pattern, principal, "*", operation, permission)


def produce_one(broker, topic: str) -> KafkaError | None:
    """Produces one record with a fresh producer; the delivery error, or None."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                         "message.timeout.ms": 10000, "retries": 0})
    outcome = []
    producer.produce(topic, value=b"v", on_delivery=lambda err, msg: outcome.append(err))
    deadline = time.monotonic() + TIMEOUT
    while not outcome and time.monotonic() < deadline:
        producer.poll(0.1)
    assert outcome, f"no delivery report for {topic} within {TIMEOUT}s"
    return outcome[0]


def log_end(broker, topic: str) -> int:
    partition = list_offset(broker, topic, 0, -1)
    assert partition["ErrorCode"] == 0, partition
    return partition["Offset"]


def test_admin_client_creates_describes_and_deletes_acls_that_survive_a_restart(acl_broker):
    broker = acl_broker(["--authorizer", "--super-user", ANONYMOUS])
    create_acls(broker, [
        allow(ResourceType.TOPIC, "orders", AclOperation.READ, principal="User:alice"),
        allow(ResourceType.TOPIC, "logs-", AclOperation.WRITE, principal="User:alice",
              pattern=ResourcePatternType.PREFIXED),
        allow(ResourceType.TOPIC, "orders", AclOperation.WRITE, principal="User:bob",
              permission=AclPermissionType.DENY),
        allow(ResourceType.GROUP, "g1", AclOperation.READ, principal="User:alice"),
        allow(CLUSTER, "kafka-cluster", AclOperation.IDEMPOTENT_WRITE, principal="User:alice"),
    ])
    assert len(describe(broker, everything())) == 5

    # MATCH finds every ACL that applies to a topic named logs-app: the prefixed one.
    match = AclBindingFilter(ResourceType.TOPIC, "logs-app", ResourcePatternType.MATCH, None, None,
                             AclOperation.ANY, AclPermissionType.ANY)
    assert {(b[1], b[2]) for b in describe(broker, match)} == {("logs-", ResourcePatternType.PREFIXED)}
    by_bob = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, "User:bob", None,
                              AclOperation.ANY, AclPermissionType.ANY)
    assert describe(broker, by_bob) == {(ResourceType.TOPIC, "orders", ResourcePatternType.LITERAL,
                                         "User:bob", "*", AclOperation.WRITE, AclPermissionType.DENY)}

    # A CLUSTER ACL must name kafka-cluster: INVALID_REQUEST, as from Kafka 4.0.
    with pytest.raises(KafkaException) as refused:
        create_acls(broker, [allow(CLUSTER, "other", AclOperation.ALTER)])
    assert refused.value.args[0].code() == KafkaError.INVALID_REQUEST

    client = admin(broker)
    deleted = client.delete_acls([by_bob], request_timeout=TIMEOUT)[by_bob].result(timeout=TIMEOUT)
    assert [(b.principal, b.name) for b in deleted] == [("User:bob", "orders")]
    assert len(describe(broker, everything())) == 4

    broker.stop()
    broker.start()
    after = describe(broker, everything())
    assert len(after) == 4
    assert (ResourceType.GROUP, "g1", ResourcePatternType.LITERAL, "User:alice", "*",
            AclOperation.READ, AclPermissionType.ALLOW) in after


def test_produce_needs_write_deny_beats_allow_and_metadata_hides_topics(acl_broker):
    data, hidden = unique("acl-data"), unique("acl-hidden")
    # Bootstrap: User:ANONYMOUS is super user while it creates the topics and lets
    # itself manage ACLs (ALTER on the cluster, which implies DESCRIBE).
    broker = acl_broker(["--authorizer", "--super-user", ANONYMOUS])
    create_topic(broker, data)
    create_topic(broker, hidden)
    assert produce_one(broker, hidden) is None
    create_acls(broker, [allow(CLUSTER, "kafka-cluster", AclOperation.ALTER)])

    broker.stop()
    broker.extra_args = ["--authorizer", "--super-user", "User:admin"]
    broker.start()

    # No ACL on the topic: refused (Metadata already says TOPIC_AUTHORIZATION_FAILED).
    error = produce_one(broker, data)
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, error

    # DESCRIBE but no WRITE: the Produce itself is refused and nothing is appended.
    create_acls(broker, [allow(ResourceType.TOPIC, data, AclOperation.DESCRIBE)])
    error = produce_one(broker, data)
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, error
    assert log_end(broker, data) == 0

    # An ALLOW from another host does not help; one from the client's address does.
    create_acls(broker, [AclBinding(ResourceType.TOPIC, data, ResourcePatternType.LITERAL, ANONYMOUS,
                                    "10.9.9.9", AclOperation.WRITE, AclPermissionType.ALLOW)])
    error = produce_one(broker, data)
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, error
    create_acls(broker, [AclBinding(ResourceType.TOPIC, data, ResourcePatternType.LITERAL, ANONYMOUS,
                                    "127.0.0.1", AclOperation.WRITE, AclPermissionType.ALLOW)])
    assert produce_one(broker, data) is None
    assert log_end(broker, data) == 1

    # A DENY for everyone on a prefix beats the literal ALLOW.
    create_acls(broker, [allow(ResourceType.TOPIC, "acl-", AclOperation.WRITE, principal="User:*",
                               pattern=ResourcePatternType.PREFIXED, permission=AclPermissionType.DENY)])
    error = produce_one(broker, data)
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, error
    assert log_end(broker, data) == 1

    # Metadata for all topics leaves out the one User:ANONYMOUS may not DESCRIBE; asked
    # by name, it is refused without saying whether it exists.
    c = conn(broker)
    try:
        _, _, everything_listed = c.call(3, 12, {"Topics": None, "AllowAutoTopicCreation": False,
                                                 "IncludeTopicAuthorizedOperations": False})
        _, _, named = c.call(3, 12, {"Topics": [{"Name": hidden}], "AllowAutoTopicCreation": False,
                                     "IncludeTopicAuthorizedOperations": False})
    finally:
        c.close()
    names = {t["Name"] for t in everything_listed["Topics"]}
    assert data in names and hidden not in names
    assert named["Topics"][0]["ErrorCode"] == KafkaError.TOPIC_AUTHORIZATION_FAILED

    # kcat (librdkafka 2.0) sees the same.
    listing = subprocess.run(["kcat", "-b", broker.bootstrap, "-L", "-J"], capture_output=True,
                             text=True, timeout=TIMEOUT)
    assert listing.returncode == 0, listing.stderr
    assert f'"{data}"' in listing.stdout and f'"{hidden}"' not in listing.stdout
