"""`causeway demo`, the README's first command: it must run to the end on a fresh
machine, verify every partition (transactions included) and fail over."""

from __future__ import annotations

import subprocess

import pytest

from broker_process import broker_binary


@pytest.mark.timeout(300)
def test_demo_mirrors_verifies_and_fails_over(tmp_path):
    p = subprocess.run([str(broker_binary()), "demo"], capture_output=True, text=True, timeout=280, cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    out = p.stdout
    assert "caught up: every destination partition ends where its source does" in out, out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("demo.") and line.strip().endswith("identical")]
    partitions = {row[0] for row in rows}
    assert len(partitions) == 10, out
    assert {row[4] for row in rows if row[0].startswith("demo.payments")} == {"records"}, out
    assert {row[4] for row in rows if not row[0].startswith("demo.payments")} == {"exact"}, out
    assert "DIFFERENT" not in out and "DIFFERENCES FOUND" not in out
    assert "causeway failover" in out and "resumes at" in out, out
