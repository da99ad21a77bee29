"""Acceptance of the mirror engine as real processes: `causeway run` mirrors a 3-node
`causeway broker` onto a 1-node one, and every record lands at its source offset with
its bytes (DESIGN "How offsets survive a stock Produce API").

Source: three topics x 8 partitions, over 200,000 records written by kcat (-z in all
five codecs, many records per batch) and confluent-kafka (plain enable.idempotence=false
and idempotent acks=all, in all five codecs, linger for real batches). One topic's log
start is raised with DeleteRecords (kafka-python admin) before the link starts: on one
partition not at all, on one up to its high watermark, on the others at offsets that
fall inside batches. A second wave is written while the link runs.

Then: every partition MIRRORING with lag 0 in `causeway status --json`, destination
log ends equal to the source high watermarks (raw ListOffsets), and the independent
checker compare_clusters.py finds every source data batch byte-identical (bytes
21..end) at the same offset, nothing missing, mismatched or extra; the trimmed topic
starts at the same offset on both sides.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from link_support import (CODECS, KCAT, Offsets, ck_produce, compare_clusters, delete_records, kcat_produce,
                          source_batch_census, status_json, status_table, topic_configs, wait_caught_up,
                          write_link_config)
from support import create_topic

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")

PREFIX = "fid."
KCAT_TOPIC, CK_TOPIC, TRIM_TOPIC = f"{PREFIX}kcat", f"{PREFIX}ck", f"{PREFIX}trim"
TOPICS = [KCAT_TOPIC, CK_TOPIC, TRIM_TOPIC]
PARTITIONS = 8


def run_parallel(jobs):
    """Runs producer callables in threads (kcat runs as its own process; librdkafka
    does its I/O outside the GIL); re-raises the first failure."""
    errors = []

    def wrap(job):
        try:
            job()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(j,), daemon=True) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), "a producer did not finish"


def first_wave(src: str):
    jobs = []
    for codec in CODECS:
        jobs.append(lambda c=codec: kcat_produce(src, KCAT_TOPIC, c, 16000, f"k1{c}"))
        jobs.append(lambda c=codec: kcat_produce(src, TRIM_TOPIC, c, 3000, f"t1k{c}"))
    run_parallel(jobs)
    jobs = []
    for codec in CODECS:
        for idem in (False, True):
            tag = f"{'i' if idem else 'p'}1{codec}"
            jobs.append(lambda c=codec, i=idem, t=tag: ck_produce(src, CK_TOPIC, c, 8000, "c" + t, i))
            jobs.append(lambda c=codec, i=idem, t=tag: ck_produce(src, TRIM_TOPIC, c, 1500, "t" + t, i))
    run_parallel(jobs)


def second_wave(src: str):
    jobs = []
    for codec in CODECS:
        jobs.append(lambda c=codec: kcat_produce(src, KCAT_TOPIC, c, 1000, f"k2{c}"))
        jobs.append(lambda c=codec: kcat_produce(src, TRIM_TOPIC, c, 400, f"t2k{c}"))
        for idem in (False, True):
            tag = f"{'i' if idem else 'p'}2{codec}"
            jobs.append(lambda c=codec, i=idem, t=tag: ck_produce(src, CK_TOPIC, c, 500, "c" + t, i))
    run_parallel(jobs)


@pytest.mark.timeout(300)
def test_link_mirrors_every_offset_and_byte(broker_factory, link_factory, tmp_path):
    t0 = time.monotonic()
    src = broker_factory(name="src", nodes=3, partitions=PARTITIONS)
    dst = broker_factory(name="dst")
    for t in TOPICS:
        create_topic(src, t, partitions=PARTITIONS)

    first_wave(src.bootstrap)
    before = Offsets(src.bootstrap).read(TOPICS)
    produced = sum(end - start for (_, _), (start, end) in before.items())
    print(f"first wave: {produced} records in {time.monotonic() - t0:.1f}s")

    # Raise the trimmed topic's log start before the link exists: partition 0 untouched,
    # partition 1 up to its high watermark, the others somewhere inside the log (odd
    # offsets, so most land inside a batch rather than on a batch boundary).
    trim_hw = {p: before[(TRIM_TOPIC, p)][1] for p in range(PARTITIONS)}
    cut = {1: trim_hw[1]}
    for p in range(2, PARTITIONS):
        cut[p] = (trim_hw[p] * p) // (PARTITIONS + 1) | 1
    delete_records(src.bootstrap, TRIM_TOPIC, cut)
    trimmed = Offsets(src.bootstrap).read([TRIM_TOPIC])
    for p, off in cut.items():
        assert trimmed[(TRIM_TOPIC, p)][0] == off, f"source DeleteRecords {TRIM_TOPIC}/{p} to {off}: {trimmed}"
    assert trimmed[(TRIM_TOPIC, 0)][0] == 0
    print(f"trimmed {TRIM_TOPIC} log starts: {[trimmed[(TRIM_TOPIC, p)] for p in range(PARTITIONS)]}")

    config = write_link_config(tmp_path / "link.yaml", name="fidelity", source=src.bootstrap,
                               destination=dst.bootstrap, prefix=PREFIX, store=tmp_path / "fidelity.db")
    t_link = time.monotonic()
    link = link_factory(config)

    second_wave(src.bootstrap)
    final = Offsets(src.bootstrap).read(TOPICS)
    total = sum(end - start for (_, _), (start, end) in final.items())
    total_offsets = sum(end for (_, _), (_, end) in final.items())
    print(f"second wave done at {time.monotonic() - t_link:.1f}s after the link started; "
          f"{total_offsets} offsets, {total} records readable on the source")
    assert total_offsets >= 200_000, total_offsets

    status = wait_caught_up(config, link, src.bootstrap, dst.bootstrap, TOPICS, timeout=150)
    print(f"caught up {time.monotonic() - t_link:.1f}s after the link started")
    print(status_table(config))

    # Every partition of every topic is in the status, MIRRORING, with fidelity reported.
    lines = {(p["topic"], p["partition"]): p for p in status["partitions"]}
    assert set(lines) == {(t, p) for t in TOPICS for p in range(PARTITIONS)}, sorted(lines)
    for (topic, part), line in lines.items():
        assert line["destination"] == "dst"
        assert line["state"] == "MIRRORING", line
        if topic != TRIM_TOPIC or trimmed[(TRIM_TOPIC, part)][0] == 0:
            assert line["fidelity"] == "exact", line

    # Log starts and ends agree on both sides, the trimmed topic included.
    s_off = Offsets(src.bootstrap).read(TOPICS)
    d_off = Offsets(dst.bootstrap).read(TOPICS)
    mismatched = {k: (s_off[k], d_off.get(k)) for k in s_off if s_off[k] != d_off.get(k)}
    assert not mismatched, f"(log start, log end) source vs destination differ: {mismatched}"

    # The mirror topics were created as the design says (Docs/configuration.md "Never synced").
    for t in TOPICS:
        cfg = topic_configs(dst.bootstrap, t)
        assert cfg.get("compression.type") == "producer", (t, cfg.get("compression.type"))
        assert cfg.get("message.timestamp.type") == "CreateTime", (t, cfg.get("message.timestamp.type"))
        assert cfg.get("message.timestamp.after.max.ms") == str(2**63 - 1), (t, cfg.get("message.timestamp.after.max.ms"))
        assert cfg.get("message.timestamp.before.max.ms") == str(2**63 - 1), (t, cfg.get("message.timestamp.before.max.ms"))

    # The independent checker.
    kinds: dict = {}
    batches, records = source_batch_census(src.bootstrap, s_off, kinds)
    print(f"source batches by (codec, producer): {dict(sorted(kinds.items()))}")
    assert set(kinds) == {(c, k) for c in CODECS for k in ("plain", "idempotent")}, \
        f"the load did not produce every codec from both producer kinds: {sorted(kinds)}"
    t_cmp = time.monotonic()
    rc, summary, output = compare_clusters(src.bootstrap, dst.bootstrap, TOPICS)
    print(output)
    print(f"compare_clusters.py took {time.monotonic() - t_cmp:.1f}s; source census: {batches} batches, "
          f"{records} records")
    assert summary is not None, output
    assert rc == 0, output
    assert summary["partitions"] == len(TOPICS) * PARTITIONS, summary
    assert summary["missing"] == 0 and summary["mismatch"] == 0 and summary["extra"] == 0, summary
    assert summary["records"] == 0, f"batches only record-identical, not byte-identical: {summary}"
    assert summary["control"] == 0, summary
    assert summary["exact"] == batches, f"byte-identical batches {summary['exact']} != source batches {batches}"
    assert summary["records_seen"] == records, summary

    # SIGTERM stops the daemon cleanly, and its last status still says MIRRORING.
    assert link.stop() == 0, link.log_tail()
    print(f"total {time.monotonic() - t0:.1f}s")
