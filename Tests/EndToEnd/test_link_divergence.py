"""A write by someone else to a mirror topic on the destination (kcat) is detected by
the offset check (DESIGN "Read-only mirrors"): that partition becomes DIVERGED at the
offset where the foreign record sits, `causeway status` shows the offset in `reason`
(and exits 2), and every other partition keeps mirroring new source data.

The design also says the store keeps partition states (DIVERGED, FAILED): a restarted
daemon must not take the foreign record as its checkpoint and carry on.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from broker_process import wait_until
from link_support import (KCAT, Offsets, compare_clusters, kcat_produce, status_json, status_table,
                          wait_caught_up, write_link_config)
from support import create_topic, fetch_all_batches, kwire

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")

PREFIX = "div."
TOPIC, OTHER = f"{PREFIX}orders", f"{PREFIX}other"
PARTITIONS = 4
VICTIM = 2


def intrude(dst: str, topic: str, partition: int):
    subprocess.run([KCAT, "-P", "-b", dst, "-t", topic, "-p", str(partition), "-K", "|"],
                   input=b"intruder|written on the destination by someone else\n", check=True, timeout=60,
                   capture_output=True)


def produce_source(src: str, tag: str, count: int = 2000):
    # Keys spread the lines over every partition of both topics.
    kcat_produce(src, TOPIC, "lz4", count, f"{tag}o")
    kcat_produce(src, OTHER, "zstd", count // 2, f"{tag}x")


def setup_diverged(broker_factory, link_factory, tmp_path):
    src = broker_factory(name="src", nodes=3, partitions=PARTITIONS)
    dst = broker_factory(name="dst")
    create_topic(src, TOPIC, partitions=PARTITIONS)
    create_topic(src, OTHER, partitions=2)
    produce_source(src.bootstrap, "a")
    config = write_link_config(tmp_path / "link.yaml", name="divergence", source=src.bootstrap,
                               destination=dst.bootstrap, prefix=PREFIX, store=tmp_path / "divergence.db")
    link = link_factory(config)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, [TOPIC, OTHER], timeout=60)

    at = Offsets(dst.bootstrap).read([TOPIC])[(TOPIC, VICTIM)][1]
    intrude(dst.bootstrap, TOPIC, VICTIM)
    batches, _ = fetch_all_batches(dst, TOPIC, VICTIM, start=at)
    assert batches and batches[0]["baseOffset"] == at, batches[:1]
    print(f"foreign record written to dst {TOPIC}/{VICTIM} at offset {at}")

    produce_source(src.bootstrap, "b")

    def victim_diverged():
        st = status_json(config)
        if st is None or st.get("processID") != link.pid:
            return None
        for p in st["partitions"]:
            if (p["topic"], p["partition"]) == (TOPIC, VICTIM) and p["state"] == "DIVERGED":
                return p
        return None

    try:
        line = wait_until(victim_diverged, 60, f"{TOPIC}/{VICTIM} DIVERGED", interval=0.5)
    except TimeoutError as e:
        raise AssertionError(f"{e}\n{status_table(config)}\n{link.log_tail(40)}") from None
    return src, dst, config, link, at, line


def others_caught_up(config, link, src, dst):
    """Every partition but the victim: MIRRORING, lag 0, destination end = source HW."""
    s = Offsets(src).read([TOPIC, OTHER])
    d = Offsets(dst).read([TOPIC, OTHER])
    st = status_json(config)
    if st is None or st.get("processID") != link.pid:
        return None
    lines = {(p["topic"], p["partition"]): p for p in st["partitions"]}
    for key, (_, hw) in s.items():
        if key == (TOPIC, VICTIM):
            continue
        p = lines.get(key)
        if p is None or p["state"] != "MIRRORING" or p["lagRecords"] != 0 or p["destinationLogEnd"] != hw \
                or d[key][1] != hw:
            return None
    return st


@pytest.mark.timeout(180)
def test_foreign_write_diverges_one_partition_only(broker_factory, link_factory, tmp_path):
    t0 = time.monotonic()
    src, dst, config, link, at, line = setup_diverged(broker_factory, link_factory, tmp_path)
    print(json.dumps(line, indent=1))
    assert line["reason"] and re.search(rf"\b{at}\b", line["reason"]), \
        f"the reason should name offset {at}: {line['reason']!r}"
    assert line["destinationLogEnd"] in (at, at + 1), line

    # Whatever the daemon logged about it names the offset too.
    logged = link.grep_logs("DIVERGED")
    assert logged and any(re.search(rf"\b{at}\b", x) for x in logged), logged

    # `causeway status` (table) shows it and exits 2.
    p = subprocess.run([str(__import__("broker_process").broker_binary()), "status", "--config", str(config)],
                       capture_output=True, text=True, timeout=30)
    print(p.stdout)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "DIVERGED" in p.stdout and str(at) in p.stdout, p.stdout

    # The other partitions keep mirroring new source data.
    for wave in ("c", "d"):
        produce_source(src.bootstrap, wave)
        try:
            wait_until(lambda: others_caught_up(config, link, src.bootstrap, dst.bootstrap), 60,
                       "the other partitions to catch up", interval=0.5)
        except TimeoutError as e:
            raise AssertionError(f"{e}\n{status_table(config)}") from None
    st = status_json(config)
    victim = next(p for p in st["partitions"] if (p["topic"], p["partition"]) == (TOPIC, VICTIM))
    assert victim["state"] == "DIVERGED", victim

    # The untouched topic is exact; the victim partition holds the source up to the
    # foreign record, then the foreign record, and nothing of the source after it.
    rc, summary, output = compare_clusters(src.bootstrap, dst.bootstrap, [OTHER])
    print(output)
    assert rc == 0 and summary["exact"] > 0 and summary["records"] == 0, output
    # With one Produce in flight, exactly one source batch (the one whose acknowledgement
    # revealed the foreign record) sits on the destination after it, one offset late;
    # nothing was written after that.
    batches, _ = fetch_all_batches(dst, TOPIC, VICTIM, start=at)
    assert batches[0]["baseOffset"] == at and batches[0]["lastOffsetDelta"] == 0, batches[0]
    recs = batches[0].get("records") or []
    assert recs and recs[0]["key"] == b"intruder".hex(), batches[0]
    after = batches[1:]
    src_batches, _ = fetch_all_batches(src, TOPIC, VICTIM, start=at)
    assert len(after) == 1, (f"{len(after)} batches written after the foreign record at {at}: "
                             f"{[(b['baseOffset'], b['recordCount']) for b in after]}")
    assert after[0]["baseOffset"] == at + 1 and src_batches[0]["baseOffset"] == at, (after[0], src_batches[0])
    assert bytes.fromhex(after[0]["raw"])[21:] == bytes.fromhex(src_batches[0]["raw"])[21:]
    d_end = Offsets(dst.bootstrap).read([TOPIC])[(TOPIC, VICTIM)][1]
    assert d_end == at + 1 + after[0]["recordCount"], d_end
    print(f"total {time.monotonic() - t0:.1f}s")


@pytest.mark.timeout(180)
def test_divergence_survives_a_restart(broker_factory, link_factory, tmp_path):
    """SIGTERM and restart the daemon: the diverged partition must stay DIVERGED at the
    same offset (the store holds partition states, DESIGN "Parts"/Docs store), not
    resume from the destination's log end, which now includes the foreign record."""
    src, dst, config, link, at, line = setup_diverged(broker_factory, link_factory, tmp_path)
    time.sleep(1)
    end_before = Offsets(dst.bootstrap).read([TOPIC])[(TOPIC, VICTIM)][1]
    assert link.stop() == 0, link.log_tail()
    link.start()
    produce_source(src.bootstrap, "c")
    try:
        wait_until(lambda: others_caught_up(config, link, src.bootstrap, dst.bootstrap), 60,
                   "the other partitions to catch up after the restart", interval=0.5)
    except TimeoutError as e:
        raise AssertionError(f"{e}\n{status_table(config)}") from None
    time.sleep(2)  # give the victim time to do the wrong thing, if it is going to
    st = status_json(config)
    victim = next(p for p in st["partitions"] if (p["topic"], p["partition"]) == (TOPIC, VICTIM))
    table = status_table(config)
    d_end = Offsets(dst.bootstrap).read([TOPIC])[(TOPIC, VICTIM)][1]
    rc, summary, output = compare_clusters(src.bootstrap, dst.bootstrap, [TOPIC])
    evidence = (f"after a restart, {TOPIC}/{VICTIM} (foreign record at {at}, destination end {end_before} "
                f"before the restart):\n{json.dumps(victim, indent=1)}\n"
                f"{table}\ndestination log end {d_end}\n{output}")
    print(evidence)
    assert victim["state"] == "DIVERGED", evidence
    assert victim["reason"] and re.search(rf"\b{at}\b", victim["reason"]), evidence
    assert d_end == end_before, f"the destination grew from {end_before} to {d_end}\n{evidence}"
