"""`causeway run` refuses a bad link file before doing anything (exit 64, EX_USAGE),
naming the key path and what is accepted (Docs/configuration.md "How errors are
reported"); `causeway status` says when no daemon is running for a link."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest

from broker_process import broker_binary
from link_support import causeway_status, write_link_config
from support import conn, create_topic

RUN_TIMEOUT = 20


def run_link(config, cwd):
    t = time.monotonic()
    p = subprocess.run([str(broker_binary()), "run", "--config", str(config)], capture_output=True, text=True,
                       timeout=RUN_TIMEOUT, cwd=str(cwd))
    return p, time.monotonic() - t


def destination_topics(broker) -> list[str]:
    c = conn(broker)
    try:
        _, _, md = c.call(3, 12, {"Topics": None, "AllowAutoTopicCreation": False,
                                  "IncludeTopicAuthorizedOperations": False})
    finally:
        c.close()
    return sorted(t["Name"] for t in md["Topics"])


# Each case: a valid link file with one mistake, and what stderr must say: the key path
# and (part of) what would be accepted.
BAD = {
    "typo_top_level_key": (
        lambda s: s.replace("destinations:", "destination:"),
        ["destination", "did you mean 'destinations'"]),
    "typo_nested_key": (
        lambda s: s.replace("  maxWait: 100ms", "  maxWiat: 100ms"),
        ["fetch.maxWiat", "did you mean 'maxWait'"]),
    "bad_duration": (
        lambda s: s.replace("  maxWait: 100ms", "  maxWait: 5 parsecs"),
        ["fetch.maxWait", "5 parsecs", "250ms"]),
    "too_short_duration": (
        lambda s: s.replace("discoveryInterval: 500ms", "discoveryInterval: 30"),
        ["topics.discoveryInterval", "100ms"]),
    "bad_bootstrap": (
        lambda s: re.sub(r'bootstrap: "[^"]*"', 'bootstrap: "kafka"', s, count=1),
        ["source.bootstrap"]),
    "unsupported_security": (
        lambda s: s.replace("destinations:\n  - name: dst\n",
                            "destinations:\n  - name: dst\n    security: SASL_SSL\n"),
        ["destinations[0].security", "PLAINTEXT"]),
    "kafka_spelling": (
        lambda s: s.replace("source:\n", "source:\n  bootstrap.servers: x:1\n"),
        ["source.bootstrap.servers", "bootstrap"]),
    "bad_size": (
        lambda s: s + "produce:\n  bufferBytes: 64MB\n",
        ["produce.bufferBytes", "MiB"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.timeout(60)
def test_bad_config_exits_64_without_starting(case, broker_factory, tmp_path):
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    # A topic the link would mirror if it started.
    create_topic(src, "cfg.orders", partitions=2)
    good = write_link_config(tmp_path / "good.yaml", name="cfg", source=src.bootstrap, destination=dst.bootstrap,
                             prefix="cfg.", store=tmp_path / "cfg.db").read_text()
    mutate, needles = BAD[case]
    bad = mutate(good)
    assert bad != good, "the mutation changed nothing"
    config = tmp_path / "link.yaml"
    config.write_text(bad)

    p, took = run_link(config, tmp_path)
    report = f"$ causeway run --config {config}\n--- config:\n{bad}--- exit {p.returncode} in {took:.1f}s\n" \
             f"--- stdout:\n{p.stdout}--- stderr:\n{p.stderr}"
    assert p.returncode == 64, report
    for needle in needles:
        assert needle in p.stderr, f"stderr lacks {needle!r}:\n{report}"
    assert str(config) in p.stderr or "link.yaml" in p.stderr, f"stderr does not name the file:\n{report}"
    # It did not start: no status file, no store, nothing created on the destination.
    leftovers = sorted(x.name for x in tmp_path.iterdir() if x.name.startswith("cfg") or "status" in x.name)
    assert leftovers == [], f"files left by a run that should not have started: {leftovers}\n{report}"
    assert "cfg.orders" not in destination_topics(dst), report


@pytest.mark.timeout(60)
def test_every_problem_reported_in_one_pass(broker_factory, tmp_path):
    """Two mistakes: both reported, one per line, in file order (Docs/configuration.md)."""
    config = tmp_path / "link.yaml"
    config.write_text("name: two-problems\nsource:\n  bootstrap: 127.0.0.1:1\n"
                      "destinations:\n  - name: dst\n    bootstrap: 127.0.0.1:2\n"
                      "topics:\n  include:\n    - prefix: a.\n  discoveryInterval: soon\n"
                      "fetch:\n  maxWiat: 1s\n")
    p, took = run_link(config, tmp_path)
    report = f"exit {p.returncode} in {took:.1f}s\nstderr:\n{p.stderr}"
    assert p.returncode == 64, report
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    interval = [i for i, line in enumerate(lines) if "topics.discoveryInterval" in line]
    typo = [i for i, line in enumerate(lines) if "fetch.maxWiat" in line]
    assert interval and typo and interval[0] < typo[0], report


@pytest.mark.timeout(60)
def test_missing_config_file(tmp_path):
    p, _ = run_link(tmp_path / "nope.yaml", tmp_path)
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert "nope.yaml" in p.stderr, p.stderr


@pytest.mark.timeout(90)
def test_status_without_a_daemon(broker_factory, link_factory, tmp_path):
    src = broker_factory(name="src")
    dst = broker_factory(name="dst")
    config = write_link_config(tmp_path / "link.yaml", name="idle", source=src.bootstrap, destination=dst.bootstrap,
                               prefix="idle.", store=tmp_path / "idle.db")

    # Never started: no status file.
    for extra in ((), ("--json",)):
        p = causeway_status(config, *extra)
        text = p.stdout + p.stderr
        assert p.returncode != 0, f"causeway status {extra} with no daemon exited 0:\n{text}"
        assert "not running" in text or "is `causeway run` running" in text, text
        assert "idle.status.json" in text, f"the message should name the status file it looked for:\n{text}"

    # A daemon that ran and was stopped leaves its last status behind: status must say
    # the daemon is not running.
    link = link_factory(config)
    status_file = tmp_path / "idle.status.json"
    deadline = time.monotonic() + 30
    while not status_file.exists():
        assert link.alive(), link.log_tail()
        assert time.monotonic() < deadline, "no status file 30 s after causeway run started"
        time.sleep(0.2)
    p = causeway_status(config)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "not running" not in p.stdout, p.stdout
    assert link.stop() == 0, link.log_tail()
    p = causeway_status(config)
    assert "not running" in p.stdout, f"status after the daemon stopped:\n{p.stdout}{p.stderr}"

    # Same after SIGKILL (no chance to write a last status).
    link.start()
    pid = link.pid
    deadline = time.monotonic() + 30
    while json.loads(status_file.read_text()).get("processID") != pid:
        assert link.alive(), link.log_tail()
        assert time.monotonic() < deadline, "the restarted daemon wrote no status within 30 s"
        time.sleep(0.2)
    link.kill9()
    p = causeway_status(config)
    assert "not running" in p.stdout, f"status after SIGKILL:\n{p.stdout}{p.stderr}"
    assert not os.path.exists(f"/proc/{pid}")
