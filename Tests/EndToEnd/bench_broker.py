#!/usr/bin/env python3
"""Produce and fetch throughput and produce latency of the embedded broker on loopback,
with confluent-kafka (librdkafka) as the load generator. Not a test: a script.

    python3 Tests/EndToEnd/bench_broker.py                      # 200k x 1 KiB, 4 partitions
    python3 Tests/EndToEnd/bench_broker.py --records 50000 --codec lz4 --flush-every-write
    CAUSEWAY_BIN=.build/release/causeway python3 Tests/EndToEnd/bench_broker.py

It starts its own broker (from $CAUSEWAY_BIN or .build/debug/causeway) on a temporary
data directory, unless --bootstrap names a running one. Everything is bounded: by
--records and by --time-limit seconds per phase (a phase that hits the limit is
reported as partial). Phases:

1. produce: one idempotent acks=all producer, as fast as it goes; MB/s, records/s,
   the delivery latency of each record (produce() to acknowledgement: mostly time
   queued in the client, since the load is unbounded), and the round trip of the
   Produce requests themselves (librdkafka's per-broker rtt statistics: median of
   the windows' p50, worst of their p99);
2. latency probe: --probe records sent one at a time, each waited for: p50/p99/max of
   the round trip of a single acks=all Produce on an idle broker;
3. fetch: a consumer with assign() from offset 0 on every partition until it has
   read all records; MB/s, records/s.

Broker CPU seconds and peak RSS come from /proc when the script started the broker.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from broker_process import Broker, broker_binary  # noqa: E402
from support import api_versions, create_topic, kwire  # noqa: E402


class RunningBroker:
    """Just the addresses of a broker given by --bootstrap, for the support helpers."""

    def __init__(self, bootstrap: str):
        self.addresses = [(h, int(p)) for h, p in (x.rsplit(":", 1) for x in bootstrap.split(","))]


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def proc_stats(pid):
    """(cpu seconds, peak RSS MiB) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        hwm = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))
        return cpu, hwm / 1024
    except (OSError, StopIteration, IndexError):
        return float("nan"), float("nan")


def produce_phase(bootstrap, topic, args, payload):
    from confluent_kafka import Producer

    rtts = []  # (p50, p99) of Produce request round trips per statistics window, microseconds

    def on_stats(text):
        for b in json.loads(text).get("brokers", {}).values():
            if b.get("nodeid", -1) >= 0 and b.get("rtt", {}).get("cnt", 0) > 0:
                rtts.append((b["rtt"]["p50"], b["rtt"]["p99"]))

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "compression.type": args.codec, "linger.ms": 5, "batch.size": 1_000_000,
                         "queue.buffering.max.kbytes": 65536, "message.timeout.ms": 60000,
                         "statistics.interval.ms": 500, "stats_cb": on_stats})
    latencies, errors, acked = [], [], [0]

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acked[0] += 1
            latencies.append(msg.latency())

    start = time.perf_counter()
    deadline = start + args.time_limit
    sent = 0
    while sent < args.records and time.perf_counter() < deadline:
        try:
            producer.produce(topic, value=payload, key=str(sent).encode(),
                             partition=sent % args.partitions, on_delivery=on_delivery)
            sent += 1
        except BufferError:
            producer.poll(0.001)
            continue
        if sent % 1000 == 0:
            producer.poll(0)
    remaining = producer.flush(max(1.0, deadline - time.perf_counter()))
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"produce failed: {len(errors)} errors, first: {errors[0]}")
    producer.poll(0.6)  # one more statistics window
    return {"records": acked[0], "seconds": elapsed, "partial": remaining > 0 or sent < args.records,
            "latencies": latencies, "rtts": rtts}


def probe_phase(bootstrap, topic, args, payload):
    """Single acks=all Produce round trips, one at a time, with the raw wire client
    (no client-side batching or linger in the measurement)."""
    host, port = bootstrap.split(",")[0].rsplit(":", 1)
    conn = kwire.Conn(host, int(port), timeout=10)
    rtts = []
    deadline = time.perf_counter() + args.time_limit
    try:
        for i in range(args.probe):
            if time.perf_counter() > deadline:
                break
            batch = kwire.build_batch([{"key": f"probe-{i}", "value": payload}])
            t0 = time.perf_counter()
            _, _, d = conn.call(0, 9, {"TransactionalId": None, "Acks": -1, "TimeoutMs": 10000,
                                       "TopicData": [{"Name": topic, "PartitionData": [
                                           {"Index": 0, "Records": batch}]}]})
            rtts.append(time.perf_counter() - t0)
            err = d["Responses"][0]["PartitionResponses"][0]["ErrorCode"]
            if err:
                raise SystemExit(f"probe produce failed: {kwire.err(err)}")
    finally:
        conn.close()
    return rtts


def fetch_phase(bootstrap, topic, args, expected):
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "causeway-bench-unused",
                         "enable.auto.commit": False, "fetch.max.bytes": 52428800,
                         "max.partition.fetch.bytes": 10485760, "fetch.wait.max.ms": 100,
                         "queued.min.messages": 200000})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(args.partitions)])
    got, nbytes = 0, 0
    start = time.perf_counter()
    deadline = start + args.time_limit
    try:
        while got < expected and time.perf_counter() < deadline:
            for msg in consumer.consume(10000, 0.5):
                if msg.error():
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        raise SystemExit(f"fetch failed: {msg.error()}")
                    continue
                got += 1
                nbytes += len(msg.value() or b"")
    finally:
        elapsed = time.perf_counter() - start
        consumer.close()
    return {"records": got, "seconds": elapsed, "bytes": nbytes, "partial": got < expected}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--size", type=int, default=1024, help="value bytes per record")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--codec", default="none", choices=["none", "gzip", "snappy", "lz4", "zstd"])
    ap.add_argument("--probe", type=int, default=2000, help="single-record latency probes")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per phase")
    ap.add_argument("--flush-every-write", action="store_true")
    ap.add_argument("--bootstrap", help="use a running broker instead of starting one")
    args = ap.parse_args(argv)

    broker = None
    tmp = None
    if args.bootstrap:
        bootstrap = args.bootstrap
    else:
        tmp = tempfile.TemporaryDirectory(prefix="causeway-bench-")
        broker = Broker(Path(tmp.name) / "data", Path(tmp.name) / "logs", name="bench",
                        flush_every_write=args.flush_every_write).start()
        bootstrap = broker.bootstrap
    # So an interrupted run still stops the broker it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        missing = {0, 1, 2} - set(api_versions(RunningBroker(bootstrap)))
        if missing:
            print(f"broker does not serve API(s) {sorted(missing)} (Produce/Fetch/ListOffsets) yet", file=sys.stderr)
            return 3
        topic = f"bench-{int(time.time())}"
        create_topic(RunningBroker(bootstrap), topic, partitions=args.partitions,
                     configs={"retention.ms": "-1"})
        # Compressible but not trivial: a repeating 64-byte pattern with a counter.
        payload = (b"causeway-bench-" + os.urandom(16).hex().encode() + b"-" * 17)[:64]
        payload = (payload * (args.size // 64 + 1))[:args.size]

        prod = produce_phase(bootstrap, topic, args, payload)
        probe = probe_phase(bootstrap, topic, args, payload)  # into partition 0, read by the fetch
        fetch = fetch_phase(bootstrap, topic, args, prod["records"] + len(probe))
        cpu, rss = proc_stats(broker.proc.pid) if broker else (float("nan"), float("nan"))
    finally:
        if broker:
            broker.stop()
        if tmp:
            tmp.cleanup()

    mib = 1024 * 1024
    prod_mb = prod["records"] * args.size / mib / prod["seconds"]
    fetch_mb = fetch["bytes"] / mib / fetch["seconds"]
    lat = [x * 1000 for x in prod["latencies"]]
    rtt = [x * 1000 for x in probe]
    cmd = "python3 " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])])
    if "CAUSEWAY_BIN" in os.environ:
        cmd = f"CAUSEWAY_BIN={shlex.quote(os.environ['CAUSEWAY_BIN'])} {cmd}"
    print(f"causeway broker bench: {broker_binary() if broker else bootstrap}")
    print(f"  {args.records} records x {args.size} B, {args.partitions} partitions, codec {args.codec}, "
          f"acks=all, idempotent{', --flush-every-write' if args.flush_every_write else ''}")
    print()
    print("| phase | records | seconds | MB/s | records/s | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| produce (latency: produce() to ack, client queue included){' (partial)' if prod['partial'] else ''} | {prod['records']} | {prod['seconds']:.2f} | "
          f"{prod_mb:.1f} | {prod['records'] / prod['seconds']:.0f} | {percentile(lat, 50):.1f} | "
          f"{percentile(lat, 99):.1f} | {max(lat) if lat else float('nan'):.1f} |")
    if prod["rtts"]:
        p50s = [a / 1000 for a, _ in prod["rtts"]]
        p99s = [b / 1000 for _, b in prod["rtts"]]
        print(f"| produce requests under load (librdkafka rtt, {len(p99s)} windows) | | | | | "
              f"{statistics.median(p50s):.1f} | {max(p99s):.1f} | |")
    print(f"| single produce round trip | {len(rtt)} | {sum(probe):.2f} | | {len(rtt) / max(sum(probe), 1e-9):.0f} | "
          f"{percentile(rtt, 50):.2f} | {percentile(rtt, 99):.2f} | {max(rtt) if rtt else float('nan'):.2f} |")
    print(f"| fetch{' (partial)' if fetch['partial'] else ''} | {fetch['records']} | {fetch['seconds']:.2f} | "
          f"{fetch_mb:.1f} | {fetch['records'] / fetch['seconds']:.0f} | | | |")
    print()
    print(f"broker CPU {cpu:.1f} s, peak RSS {rss:.0f} MiB")
    print(f"reproduce: {cmd}")
    return 0 if not (prod["partial"] or fetch["partial"]) else 2


if __name__ == "__main__":
    sys.exit(main())
