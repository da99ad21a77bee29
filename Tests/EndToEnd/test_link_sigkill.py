"""`causeway run` SIGKILLed at random moments, over and over, while producers keep
writing to the source: the destination log end is the checkpoint (DESIGN "How offsets
survive a stock Produce API", step 3), so after the last restart the mirror catches up
with no duplicate, no gap and identical bytes, and no partition is DIVERGED or FAILED.

The kill schedule comes from a seeded RNG: the seed and every kill time are printed
(`pytest -s` shows them; they are also in the failure report). Reproduce a run with
CAUSEWAY_SIGKILL_SEED=<seed>; CAUSEWAY_SIGKILL_KILLS sets the number of kills (>= 20).
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import time

import pytest

from link_support import (CODECS, KCAT, Offsets, ck_produce, compare_clusters, delete_records, kcat_produce,
                          source_batch_census, status_json, status_table, wait_caught_up, write_link_config)
from broker_process import wait_until
from support import create_topic

pytestmark = pytest.mark.skipif(KCAT is None, reason="kcat is not installed (Debian package kcat)")

PREFIX = "sk."
KCAT_TOPIC, CK_TOPIC, TRIM_TOPIC = f"{PREFIX}kcat", f"{PREFIX}ck", f"{PREFIX}trim"
TOPICS = [KCAT_TOPIC, CK_TOPIC, TRIM_TOPIC]
PARTITIONS = 4
KILLS = max(20, int(os.environ.get("CAUSEWAY_SIGKILL_KILLS", "24")))
CHUNK = 2500          # records per producer call while the link runs
LIVE_RECORDS = 90_000  # written while the daemon is being killed


class Load:
    """Producers writing to the source in chunks, rotating through kcat (-z each codec)
    and confluent-kafka (plain and idempotent, each codec), until `target` records."""

    def __init__(self, src: str, target: int):
        self.src, self.target = src, target
        self.written = 0
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        kinds = itertools.cycle([(kind, codec) for codec in CODECS for kind in ("kcat", "plain", "idem")])
        n = 0
        try:
            while self.written < self.target:
                kind, codec = next(kinds)
                n += 1
                topic = [KCAT_TOPIC, CK_TOPIC, TRIM_TOPIC][n % 3]
                tag = f"L{n}{kind}{codec}"
                if kind == "kcat":
                    kcat_produce(self.src, topic, codec, CHUNK, tag)
                else:
                    ck_produce(self.src, topic, codec, CHUNK, tag, idempotent=kind == "idem")
                self.written += CHUNK
        except BaseException as e:  # noqa: BLE001 - re-raised by the test
            self.errors.append(e)

    def start(self):
        self.thread.start()
        return self

    def join(self, timeout):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"producers still running after {timeout}s ({self.written} written)"
        assert not self.errors, self.errors


@pytest.mark.timeout(300)
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(broker_factory, link_factory, tmp_path):
    seed = int(os.environ.get("CAUSEWAY_SIGKILL_SEED", str(random.SystemRandom().randrange(1 << 32))))
    rng = random.Random(seed)
    print(f"CAUSEWAY_SIGKILL_SEED={seed} kills={KILLS}")
    t0 = time.monotonic()

    src = broker_factory(name="src", nodes=3, partitions=PARTITIONS)
    dst = broker_factory(name="dst")
    for t in TOPICS:
        create_topic(src, t, partitions=PARTITIONS)

    # Something to mirror before the link starts, in every codec, and a raised log start
    # (a bootstrap with fillers + DeleteRecords that a kill may interrupt).
    for codec in CODECS:
        kcat_produce(src.bootstrap, TRIM_TOPIC, codec, 1000, f"pre{codec}")
        kcat_produce(src.bootstrap, KCAT_TOPIC, codec, 1000, f"prek{codec}")
        ck_produce(src.bootstrap, CK_TOPIC, codec, 400, f"prei{codec}", idempotent=True)
        ck_produce(src.bootstrap, CK_TOPIC, codec, 400, f"prep{codec}", idempotent=False)
    pre = Offsets(src.bootstrap).read([TRIM_TOPIC])
    cut = {p: (pre[(TRIM_TOPIC, p)][1] * (p + 1)) // (PARTITIONS + 1) | 1 for p in range(PARTITIONS)}
    delete_records(src.bootstrap, TRIM_TOPIC, cut)
    print(f"{TRIM_TOPIC} log starts raised to {cut}")

    config = write_link_config(tmp_path / "link.yaml", name="sigkill", source=src.bootstrap,
                               destination=dst.bootstrap, prefix=PREFIX, store=tmp_path / "sigkill.db")
    link = link_factory(config)
    t_link = time.monotonic()
    load = Load(src.bootstrap, LIVE_RECORDS).start()

    kills = []
    for i in range(KILLS):
        delay = rng.uniform(0.2, 1.5)
        time.sleep(delay)
        assert link.alive(), f"causeway run (run {len(link.runs)}) exited on its own:\n{link.log_tail(60)}"
        pid = link.pid
        link.kill9()
        at = time.monotonic() - t_link
        kills.append((round(at, 3), round(delay, 3), pid))
        link.start()
    print(f"kills (seconds after the first start, delay, pid): {kills}")
    print(f"producers had written {load.written} records when the last kill was done")

    load.join(timeout=180)
    final = Offsets(src.bootstrap).read(TOPICS)
    total_offsets = sum(end for (_, _), (_, end) in final.items())
    print(f"load done {time.monotonic() - t_link:.1f}s after the link started: {total_offsets} offsets on the source")
    assert total_offsets >= 100_000, total_offsets

    try:
        status = wait_caught_up(config, link, src.bootstrap, dst.bootstrap, TOPICS, timeout=150)
    except (AssertionError, TimeoutError) as e:
        raise AssertionError(f"seed {seed}, kills {kills}\n{e}\n{status_table(config)}") from None
    print(f"caught up {time.monotonic() - t_link:.1f}s after the link started")
    print(status_table(config))
    bad = [p for p in status["partitions"] if p["state"] in ("DIVERGED", "FAILED")]
    assert not bad, (seed, kills, bad)
    assert {(p["topic"], p["partition"]) for p in status["partitions"]} == \
        {(t, p) for t in TOPICS for p in range(PARTITIONS)}

    s_off = Offsets(src.bootstrap).read(TOPICS)
    d_off = Offsets(dst.bootstrap).read(TOPICS)
    differ = {k: (s_off[k], d_off.get(k)) for k in s_off if s_off[k] != d_off.get(k)}
    assert not differ, f"seed {seed}, kills {kills}: (log start, log end) source vs destination: {differ}"

    kinds: dict = {}
    batches, records = source_batch_census(src.bootstrap, s_off, kinds)
    print(f"source batches by (codec, producer): {dict(sorted(kinds.items()))}")
    assert set(kinds) == {(c, k) for c in CODECS for k in ("plain", "idempotent")}, \
        f"the load did not produce every codec from both producer kinds: {sorted(kinds)}"
    rc, summary, output = compare_clusters(src.bootstrap, dst.bootstrap, TOPICS)
    print(output)
    assert summary is not None and rc == 0, f"seed {seed}, kills {kills}\n{output}"
    assert summary["missing"] == 0 and summary["mismatch"] == 0 and summary["extra"] == 0, (seed, summary)
    assert summary["records"] == 0 and summary["control"] == 0, (seed, summary)
    assert summary["exact"] == batches and summary["records_seen"] == records, \
        (seed, summary, {"source batches": batches, "source records": records})

    assert link.stop() == 0, link.log_tail()
    print(f"{len(link.runs)} daemon runs; total {time.monotonic() - t0:.1f}s")


BOOTSTRAP_DELAYS = [x / 100 for x in range(10, 100, 5)]  # 0.10 .. 0.95 s


@pytest.mark.timeout(240)
def test_sigkill_during_bootstrap_keeps_the_log_start(broker_factory, link_factory, tmp_path):
    """A new mirror of a source partition whose log start is N > 0 writes N filler
    offsets, then DeleteRecords(N) on the destination (DESIGN table, row 2). A kill
    anywhere in that sequence must still end with the destination starting at N.

    Deterministic sweep instead of luck: for each delay d in BOOTSTRAP_DELAYS, a fresh
    topic (source log start N = 20,000, 100 records after it) gets its first daemon
    start, SIGKILL after d seconds, a restart, and must end with the destination's
    (log start, log end) equal to the source's and the partition MIRRORING."""
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    config = write_link_config(tmp_path / "link.yaml", name="bootkill", source=src.bootstrap,
                               destination=dst.bootstrap, prefix="bk.", store=tmp_path / "bootkill.db")
    from link_support import LinkProcess
    link = None
    results, wrong = [], []
    for i, delay in enumerate(BOOTSTRAP_DELAYS):
        topic = f"bk.t{i}"
        create_topic(src, topic, partitions=1)
        kcat_produce(src.bootstrap, topic, "lz4", 20_100, topic)
        delete_records(src.bootstrap, topic, {0: 20_000})
        if link is None:
            link = link_factory(config)
        else:
            link.start()
        time.sleep(delay)
        link.kill9()
        link.start()
        s = Offsets(src.bootstrap).read([topic])[(topic, 0)]

        def settled():
            d = Offsets(dst.bootstrap).read([topic]).get((topic, 0))
            st = status_json(config)
            if st is None or st.get("processID") != link.pid:
                return None
            line = next((p for p in st["partitions"] if p["topic"] == topic), None)
            if line is None or line["state"] in ("STARTING", "BOOTSTRAPPING"):
                return None
            if line["state"] == "MIRRORING" and d != s:
                return None  # still catching up, or never going to: the deadline decides
            return d, line

        try:
            d, line = wait_until(settled, 15, f"{topic} settled", interval=0.3)
        except TimeoutError:
            d = Offsets(dst.bootstrap).read([topic]).get((topic, 0))
            st = status_json(config) or {}
            line = next((p for p in st.get("partitions", []) if p["topic"] == topic), None)
        results.append((delay, s, d, line and line["state"], line and line.get("reason")))
        print(f"kill after {delay:.2f}s: source (start, end) {s}, destination {d}, "
              f"{line and line['state']} {line and line.get('reason') or ''}")
        if d != s or not line or line["state"] != "MIRRORING":
            wrong.append(results[-1])
        assert link.stop() == 0, link.log_tail()
    assert not wrong, ("kills during the bootstrap of a trimmed partition left the destination unlike the source "
                       "(delay, source (log start, log end), destination (log start, log end), state, reason):\n"
                       + "\n".join(map(str, wrong)))
