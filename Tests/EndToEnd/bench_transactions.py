#!/usr/bin/env python3
"""Transaction round trips on the embedded broker, with a confluent-kafka (librdkafka)
transactional producer. Not a test: a script.

    python3 Tests/EndToEnd/bench_transactions.py                       # 200 x 10 records, 4 partitions
    python3 Tests/EndToEnd/bench_transactions.py --transactions 500 --records 100

It starts its own broker (from $CAUSEWAY_BIN or .build/debug/causeway) on a temporary
data directory and reports: transactions per second and the p50/p99 of one transaction
(begin, produce, commit_transaction returning), which includes the client's wait for the
previous transaction's markers (AddPartitionsToTxn answers CONCURRENT_TRANSACTIONS until
they are written); then the time a read_committed consumer takes to read everything
back, and the broker's CPU seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

from broker_process import Broker  # noqa: E402
from support import create_topic  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=200)
    parser.add_argument("--records", type=int, default=10, help="records per transaction, spread over the partitions")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        broker = Broker(Path(directory) / "data", Path(directory) / "logs").start()
        try:
            create_topic(broker, "bench-txn", args.partitions)
            producer = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "bench", "linger.ms": 0})
            producer.init_transactions(30)
            cpu_before = cpu_seconds(broker.proc.pid)
            durations, started = [], time.monotonic()
            for n in range(args.transactions):
                if time.monotonic() - started > args.time_limit:
                    print(f"time limit hit after {n} transactions")
                    break
                t0 = time.monotonic()
                producer.begin_transaction()
                for i in range(args.records):
                    producer.produce("bench-txn", value=b"x" * 100, partition=i % args.partitions)
                producer.commit_transaction(30)
                durations.append(time.monotonic() - t0)
            elapsed = time.monotonic() - started
            cpu = cpu_seconds(broker.proc.pid) - cpu_before
            ordered = sorted(durations)
            print(f"{len(durations)} transactions of {args.records} records over {args.partitions} partitions "
                  f"in {elapsed:.2f} s: {len(durations) / elapsed:.1f} transactions/s; per transaction "
                  f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {ordered[int(len(ordered) * 0.99) - 1] * 1000:.1f} ms; "
                  f"broker CPU {cpu:.2f} s")

            expected = len(durations) * args.records
            consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "bench-reader",
                                 "isolation.level": "read_committed", "enable.auto.commit": False})
            consumer.assign([TopicPartition("bench-txn", p, 0) for p in range(args.partitions)])
            seen, t0 = 0, time.monotonic()
            while seen < expected and time.monotonic() - t0 < args.time_limit:
                msg = consumer.poll(0.5)
                if msg is not None and msg.error() is None:
                    seen += 1
            consumer.close()
            print(f"read_committed consumer: {seen}/{expected} records in {time.monotonic() - t0:.2f} s")
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
