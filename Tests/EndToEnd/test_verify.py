"""`causeway verify` against a real link (`causeway run` between two `causeway broker`
processes): zero differences on a healthy mirror, lag reported apart from differences,
a record planted on the destination found, printed with its partition and offset, and
a non-zero exit; a distinct exit status when a cluster cannot be reached."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from broker_process import broker_binary, wait_until
from link_support import status_json, KCAT, Offsets, ck_produce, wait_caught_up, write_link_config
from support import create_topic

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")

PREFIX = "ver."
TOPIC = f"{PREFIX}orders"
PARTITIONS = 3


def verify(config, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(broker_binary()), "verify", "--config", str(config), *extra],
                          capture_output=True, text=True, timeout=timeout)


def kcat_to_partition(bootstrap: str, partition: int, line: bytes):
    subprocess.run([KCAT, "-P", "-b", bootstrap, "-t", TOPIC, "-p", str(partition), "-K", "|"],
                   input=line, check=True, timeout=60, capture_output=True)


@pytest.mark.timeout(240)
def test_verify_healthy_lagging_and_planted_difference(broker_factory, link_factory, tmp_path):
    src = broker_factory(name="src", nodes=2, partitions=PARTITIONS)
    dst = broker_factory(name="dst")
    create_topic(src, TOPIC, partitions=PARTITIONS)
    ck_produce(src.bootstrap, TOPIC, "lz4", 1500, "v", idempotent=True, partitions=PARTITIONS)
    ck_produce(src.bootstrap, TOPIC, "none", 300, "w", idempotent=False, partitions=PARTITIONS)
    config = write_link_config(tmp_path / "link.yaml", name="verify", source=src.bootstrap,
                               destination=dst.bootstrap, prefix=PREFIX, store=tmp_path / "verify.db")
    link = link_factory(config)
    # Every mirror partition exists on the destination before offsets are read there.
    wait_until(lambda: (st := status_json(config)) and st.get("processID") == link.pid
               and sum(p["topic"] == TOPIC for p in st["partitions"]) == PARTITIONS, 60,
               f"{PARTITIONS} partition workers of {TOPIC}", interval=0.2)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC], timeout=90)

    healthy = verify(config)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    summary = healthy.stdout.strip().splitlines()[-1]
    assert summary.startswith("IDENTICAL: 3 partition(s) on 1 destination(s), 1800 records compared, 0 difference(s)"), \
        summary
    assert "DIFFERENT" not in healthy.stdout

    # The link stops; the source moves on: lag, not a difference.
    assert link.stop() == 0
    kcat_to_partition(src.bootstrap, 0, b"late|written after the link stopped\n")
    lagging = verify(config, "--json")
    assert lagging.returncode == 0, lagging.stdout + lagging.stderr
    report = json.loads(lagging.stdout)
    assert report["differences"] == 0 and report["identical"] is True, report
    assert report["lag"] == 1, report
    assert {p["partition"]: p["lag"] for p in report["partitions"]} == {0: 1, 1: 0, 2: 0}
    text = verify(config)
    assert text.returncode == 0, text.stdout + text.stderr
    assert f"LAG dst {TOPIC}-0 1 record(s) not mirrored yet" in text.stdout, text.stdout

    # Someone writes to the mirror: the destination's record at offset `at` of partition 1
    # is not the one the source then gets at that offset.
    at = Offsets(dst.bootstrap).read([TOPIC])[(TOPIC, 1)][1]
    kcat_to_partition(dst.bootstrap, 1, b"intruder|written on the destination by someone else\n")
    extra = verify(config, "--topic", TOPIC)
    assert extra.returncode == 1, extra.stdout + extra.stderr
    assert f"DIFFERENT dst {TOPIC}-1 offset {at}: extra on the destination" in extra.stdout, extra.stdout

    kcat_to_partition(src.bootstrap, 1, b"genuine|the source's own record\n")
    mismatch = verify(config)
    assert mismatch.returncode == 1, mismatch.stdout + mismatch.stderr
    assert f"DIFFERENT dst {TOPIC}-1 offset {at}: key differs" in mismatch.stdout, mismatch.stdout
    last = mismatch.stdout.strip().splitlines()[-1]
    assert last.startswith("DIFFERENT: 3 partition(s)") and "1 difference(s), lag 1 record(s)" in last, last


def test_verify_exits_3_when_a_cluster_is_unreachable(broker, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    config = write_link_config(tmp_path / "link.yaml", name="unreachable", source=broker.bootstrap,
                               destination=closed, prefix=PREFIX, store=tmp_path / "u.db")
    result = verify(config)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"cluster dst ({closed}) is unreachable" in result.stderr, result.stderr
