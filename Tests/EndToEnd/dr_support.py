"""Helpers for the DR tests (`test_failover.py`): the `causeway failover`, `pause` and
`resume` commands as processes, and the link's store read directly with Python's sqlite3
(a second reader beside the daemon, as an operator's script would be)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from broker_process import broker_binary


def causeway(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(broker_binary()), *args], capture_output=True, text=True, timeout=timeout)


def failover(config: Path, *extra: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, dict | None]:
    """`causeway failover --config FILE --json`: the process and its parsed receipt."""
    p = causeway("failover", "--config", str(config), "--json", *extra, timeout=timeout)
    try:
        return p, json.loads(p.stdout)
    except json.JSONDecodeError:
        return p, None


def store_rows(store: Path, sql: str) -> list[tuple]:
    """Rows of a query on the link's store, read-only (no write ever goes through here)."""
    if not store.exists():
        return []
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # the daemon has not created the tables yet
    finally:
        db.close()


def marks(store: Path) -> dict[tuple[str, int], tuple[int, int]]:
    """{(topic, partition): (last source high watermark seen, destination log end)}."""
    return {(t, p): (hw, end) for t, p, hw, end in store_rows(
        store, "SELECT topic, partition, source_high_watermark, destination_log_end FROM partition_mark")}


def receipts_by_partition(document: dict) -> dict[tuple[str, int], dict]:
    return {(r["topic"], r["partition"]): r for r in document["receipts"]}
