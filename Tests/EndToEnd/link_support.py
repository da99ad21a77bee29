"""Helpers for the link acceptance tests (`test_link_*.py`): the `causeway run` daemon
as a real process, its link file, its status, source load from kcat and
confluent-kafka, independent offset reads (raw ListOffsets with kwire) and the
independent checker `../shared/kafka-conformance/compare_clusters.py`.

Nothing here shares code with the product: offsets and bytes are read with kwire
(the conformance harness) and compared by compare_clusters.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from broker_process import STOP_TIMEOUT, broker_binary, wait_until
from support import CONFORMANCE_DIR, kwire

KCAT = shutil.which("kcat") or shutil.which("kafkacat")
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
COMPARE = CONFORMANCE_DIR / "compare_clusters.py"


# -- the daemon ----------------------------------------------------------------------

class LinkProcess:
    """One `causeway run --config FILE` daemon. It can be SIGKILLed and restarted any
    number of times; every run keeps its own stdout/stderr file. Registered with the
    test like a broker, so its stderr lands in a failure report."""

    def __init__(self, config: Path, log_dir: Path, *, name: str = "link", log_level: str = "info",
                 status_file: Path | None = None, cwd: Path | None = None):
        self.config = Path(config)
        self.log_dir = Path(log_dir)
        self.name = name
        self.log_level = log_level
        self.status_file = status_file
        self.cwd = Path(cwd or self.config.parent)
        self.proc: subprocess.Popen | None = None
        self.runs: list[dict] = []

    def command(self) -> list[str]:
        cmd = [str(broker_binary()), "run", "--config", str(self.config), "--log-level", self.log_level]
        if self.status_file is not None:
            cmd += ["--status-file", str(self.status_file)]
        return cmd

    def start(self) -> "LinkProcess":
        assert not self.alive(), "link daemon already running"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        n = len(self.runs) + 1
        run = {"n": n, "stdout": self.log_dir / f"{self.name}-run{n}.stdout",
               "stderr": self.log_dir / f"{self.name}-run{n}.stderr", "exit": None,
               "command": self.command(), "started": time.monotonic()}
        self.runs.append(run)
        with open(run["stdout"], "wb") as out, open(run["stderr"], "wb") as err:
            self.proc = subprocess.Popen(run["command"], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         cwd=str(self.cwd))
        run["pid"] = self.proc.pid
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)
            self.runs[-1]["exit"] = "SIGKILL"

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM; SIGKILL after `timeout`. Returns the exit status (None if killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                status = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
                self.runs[-1]["exit"] = "SIGKILL after SIGTERM timeout"
                return None
        else:
            status = self.proc.returncode
        if self.runs[-1]["exit"] is None:
            self.runs[-1]["exit"] = status
        return status

    def wait_exit(self, timeout: float) -> int:
        status = self.proc.wait(timeout=timeout)
        self.runs[-1]["exit"] = status
        return status

    def stderr(self, run: dict | None = None) -> str:
        run = run or self.runs[-1]
        try:
            return run["stderr"].read_text(errors="replace")
        except OSError as e:
            return f"(no log: {e})"

    def log_tail(self, lines: int = 60, run: dict | None = None) -> str:
        return "\n".join(self.stderr(run).splitlines()[-lines:])

    def report(self, lines: int = 60) -> str:
        parts = []
        for run in self.runs[-4:]:  # the sigkill test has dozens of runs: the last few
            parts.append(f"--- {self.name} run {run['n']} pid {run.get('pid')} exit {run['exit']} "
                         f"({run['stderr']})\n{' '.join(run['command'])}\n{self.log_tail(lines, run)}")
        if len(self.runs) > 4:
            parts.insert(0, f"({len(self.runs) - 4} earlier runs; logs in {self.log_dir})")
        return "\n".join(parts) or "(never started)"

    def grep_logs(self, *needles: str) -> list[str]:
        """Lines of every run's stderr containing any of `needles`."""
        out = []
        for run in self.runs:
            for line in self.stderr(run).splitlines():
                if any(n in line for n in needles):
                    out.append(f"run{run['n']}: {line}")
        return out


def write_link_config(path: Path, *, name: str, source: str, destination: str, prefix: str,
                      store: Path, extra: str = "") -> Path:
    """A link file: every source topic starting with `prefix`, one destination `dst`,
    fast discovery and short fetch waits (the tests poll for catch-up)."""
    path.write_text(f"""\
name: {name}
source:
  bootstrap: "{source}"
destinations:
  - name: dst
    bootstrap: "{destination}"
topics:
  include:
    - prefix: "{prefix}"
  discoveryInterval: 500ms
store:
  path: "{store}"
fetch:
  maxWait: 100ms
{extra}""")
    return path


def causeway_status(config: Path, *extra: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([str(broker_binary()), "status", "--config", str(config), *extra],
                          capture_output=True, text=True, timeout=timeout)


def status_json(config: Path) -> dict | None:
    """`causeway status --config FILE --json`, parsed; None while there is no status yet."""
    p = causeway_status(config, "--json")
    if p.returncode != 0:
        return None
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        return None


def status_table(config: Path) -> str:
    p = causeway_status(config)
    return f"$ causeway status --config {config}  (exit {p.returncode})\n{p.stdout}{p.stderr}"


# -- independent offsets (kwire, raw ListOffsets) -------------------------------------

class Offsets:
    """Log start and log end of every partition of some topics on one cluster, read
    with raw Metadata + ListOffsets v7 (one request per leader)."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap

    def read(self, topics: list[str]) -> dict[tuple[str, int], tuple[int, int]]:
        h, p = self.bootstrap.split(",")[0].rsplit(":", 1)
        c = kwire.Conn(h, int(p), timeout=30)
        try:
            _, _, md = c.call(3, 12, {"Topics": [{"Name": t} for t in topics], "AllowAutoTopicCreation": False,
                                      "IncludeTopicAuthorizedOperations": False})
        finally:
            c.close()
        brokers = {b["NodeId"]: (b["Host"], b["Port"]) for b in md["Brokers"]}
        by_leader: dict[int, list[tuple[str, int]]] = {}
        for t in md["Topics"]:
            if t["ErrorCode"] != 0:
                continue
            for part in t["Partitions"]:
                by_leader.setdefault(part["LeaderId"], []).append((t["Name"], part["PartitionIndex"]))
        out: dict[tuple[str, int], list[int]] = {}
        for leader, parts in by_leader.items():
            c = kwire.Conn(*brokers[leader], timeout=30)
            try:
                for which, ts in ((0, -2), (1, -1)):
                    topics_body: dict[str, list] = {}
                    for t, i in parts:
                        topics_body.setdefault(t, []).append({"PartitionIndex": i, "CurrentLeaderEpoch": -1,
                                                              "Timestamp": ts})
                    _, _, d = c.call(2, 7, {"ReplicaId": -1, "IsolationLevel": 0, "Topics": [
                        {"Name": t, "Partitions": ps} for t, ps in topics_body.items()]})
                    for t in d["Topics"]:
                        for part in t["Partitions"]:
                            assert part["ErrorCode"] == 0, (self.bootstrap, t["Name"], part)
                            out.setdefault((t["Name"], part["PartitionIndex"]), [0, 0])[which] = part["Offset"]
            finally:
                c.close()
        return {k: (v[0], v[1]) for k, v in out.items()}


def topic_configs(bootstrap: str, topic: str) -> dict[str, str]:
    """DescribeConfigs v4 of one topic: {name: value}."""
    h, p = bootstrap.split(",")[0].rsplit(":", 1)
    c = kwire.Conn(h, int(p), timeout=30)
    try:
        _, _, d = c.call(32, 4, {"Resources": [{"ResourceType": 2, "ResourceName": topic, "ConfigurationKeys": None}],
                                 "IncludeSynonyms": False, "IncludeDocumentation": False})
    finally:
        c.close()
    r = d["Results"][0]
    assert r["ErrorCode"] == 0, (topic, kwire.err(r["ErrorCode"]), r.get("ErrorMessage"))
    return {x["Name"]: x["Value"] for x in r["Configs"]}


# -- the independent comparison --------------------------------------------------------

def compare_clusters(src: str, dst: str, topics: list[str], timeout: float = 240):
    """Runs compare_clusters.py on the named topics (same names on both sides: Causeway
    never renames, and the script's --prefix is a *destination rename* prefix, not a
    filter). Returns (exit status, JSON summary or None, full output)."""
    # The script takes one host:port per cluster (it finds the other nodes in Metadata).
    args = [sys.executable, str(COMPARE), src.split(",")[0], dst.split(",")[0], "--json"]
    for t in topics:
        args += ["--topic", t]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    lines = p.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
    cmd = " ".join(args[1:])
    return p.returncode, summary, f"$ python3 {cmd}\n(exit {p.returncode})\n{p.stdout}{p.stderr}"


def source_batch_census(bootstrap: str, offsets: dict[tuple[str, int], tuple[int, int]], kinds: dict | None = None):
    """(data batches, records in them) on the source from each partition's log start,
    counted from raw Fetch headers: what compare_clusters.py should find byte-identical.
    When `kinds` is given, it receives batch counts per (codec, "idempotent"|"plain")."""
    h, p = bootstrap.split(",")[0].rsplit(":", 1)
    boot = kwire.Conn(h, int(p), timeout=30)
    try:
        _, _, md = boot.call(3, 12, {"Topics": [{"Name": t} for t in sorted({t for t, _ in offsets})],
                                     "AllowAutoTopicCreation": False, "IncludeTopicAuthorizedOperations": False})
    finally:
        boot.close()
    brokers = {b["NodeId"]: (b["Host"], b["Port"]) for b in md["Brokers"]}
    leader = {(t["Name"], q["PartitionIndex"]): q["LeaderId"] for t in md["Topics"] for q in t["Partitions"]}
    conns: dict[int, kwire.Conn] = {}
    batches = records = 0
    try:
        for (topic, part), (start, end) in sorted(offsets.items()):
            node = leader[(topic, part)]
            c = conns.get(node) or conns.setdefault(node, kwire.Conn(*brokers[node], timeout=30))
            off = start
            while off < end:
                _, _, d = c.call(1, 12, {
                    "ReplicaId": -1, "MaxWaitMs": 0, "MinBytes": 0, "MaxBytes": 64 << 20, "IsolationLevel": 0,
                    "SessionId": 0, "SessionEpoch": -1,
                    "Topics": [{"Topic": topic, "Partitions": [{
                        "Partition": part, "CurrentLeaderEpoch": -1, "FetchOffset": off, "LastFetchedEpoch": -1,
                        "LogStartOffset": -1, "PartitionMaxBytes": 16 << 20}]}],
                    "ForgottenTopicsData": [], "RackId": ""})
                q = d["Responses"][0]["Partitions"][0]
                assert q["ErrorCode"] == 0, (topic, part, off, kwire.err(q["ErrorCode"]))
                raw = q["Records"] or b""
                if isinstance(raw, str):  # kwire returns bytes fields as hex
                    raw = bytes.fromhex(raw)
                pos, progressed = 0, False
                while pos + 61 <= len(raw):
                    base, length = int.from_bytes(raw[pos:pos + 8], "big", signed=True), \
                        int.from_bytes(raw[pos + 8:pos + 12], "big", signed=True)
                    if pos + 12 + length > len(raw):
                        break
                    last = base + int.from_bytes(raw[pos + 23:pos + 27], "big", signed=True)
                    if last >= off:
                        if kinds is not None:
                            codec = CODECS[raw[pos + 22] & 7]
                            pid = int.from_bytes(raw[pos + 43:pos + 51], "big", signed=True)
                            key = (codec, "plain" if pid < 0 else "idempotent")
                            kinds[key] = kinds.get(key, 0) + 1
                        batches += 1
                        records += int.from_bytes(raw[pos + 57:pos + 61], "big", signed=True)
                        off = last + 1
                        progressed = True
                    pos += 12 + length
                assert progressed, f"source fetch {topic}/{part}@{off} returned nothing below {end}"
    finally:
        for c in conns.values():
            c.close()
    return batches, records


# -- catching up -----------------------------------------------------------------------

def wait_caught_up(config: Path, link: LinkProcess, src: str, dst: str, topics: list[str], timeout: float,
                   log=print, bad_states=("DIVERGED", "FAILED")) -> dict:
    """Polls `causeway status --json` and raw ListOffsets on both clusters until every
    partition of `topics` is MIRRORING with lag 0, its status agrees with both clusters,
    and the destination log end equals the source high watermark. Fails at once when a
    partition turns DIVERGED/FAILED or the daemon exits. Returns the last status."""
    src_offsets, dst_offsets = Offsets(src), Offsets(dst)
    expected = None
    last_note = {"t": 0.0, "text": ""}

    def done():
        nonlocal expected
        assert link.alive(), (f"causeway run exited ({link.proc.returncode}) while catching up:\n"
                              f"{link.log_tail(80)}")
        st = status_json(config)
        s = src_offsets.read(topics)
        if expected is None:
            expected = set(s)
        if st is None or st.get("processID") != link.pid:
            return None
        lines = {(p["topic"], p["partition"]): p for p in st["partitions"] if p["topic"] in topics}
        broken = [p for p in lines.values() if p["state"] in bad_states]
        assert not broken, f"partitions {bad_states}: {json.dumps(broken, indent=1)}\n{link.log_tail(40)}"
        d = dst_offsets.read(topics)
        behind = []
        for key in sorted(expected):
            p = lines.get(key)
            hw = s[key][1]
            if p is None or p["state"] != "MIRRORING" or p["lagRecords"] != 0 or \
                    p["destinationLogEnd"] != hw or p["sourceHighWatermark"] != hw or d.get(key, (0, -1))[1] != hw:
                behind.append((key, p and p["state"], p and p["destinationLogEnd"], hw, d.get(key)))
        if time.monotonic() - last_note["t"] > 5:
            last_note["t"] = time.monotonic()
            log(f"  catching up: {len(expected) - len(behind)}/{len(expected)} partitions caught up; "
                f"e.g. {behind[:2]}")
        return st if not behind else None

    return wait_until(done, timeout, f"every partition of {topics} MIRRORING with lag 0", interval=0.5)


# -- load ------------------------------------------------------------------------------

def value_for(tag: str, i: int) -> str:
    # Varied lengths and some repetition, so that every codec has something to do.
    return f"{tag}:{i}:" + ("abcdefghij" * (1 + (i * 7919) % 23))[: 20 + (i * 104729) % 180]


def kcat_produce(bootstrap: str, topic: str, codec: str, count: int, tag: str, timeout: float = 120):
    """kcat -P with -z codec: keyed lines (spread over partitions by key), one header."""
    assert KCAT, "kcat is not installed"
    lines = "".join(f"{tag}-{i}|{value_for(tag, i)}\n" for i in range(count)).encode()
    subprocess.run([KCAT, "-P", "-b", bootstrap, "-t", topic, "-z", codec, "-K", "|",
                    "-H", f"src=kcat-{codec}", "-X", "linger.ms=20"],
                   input=lines, check=True, timeout=timeout, capture_output=True)


def ck_produce(bootstrap: str, topic: str, codec: str, count: int, tag: str, idempotent: bool,
               timeout: float = 120, partitions: int | None = None):
    """confluent-kafka: plain (enable.idempotence=false) or idempotent acks=all, with linger."""
    from confluent_kafka import Producer
    # Batches of up to 300 records: more, smaller batches than kcat's.
    conf = {"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 10, "batch.num.messages": 300,
            "enable.idempotence": idempotent, "queue.buffering.max.messages": 1000000}
    if idempotent:
        conf["acks"] = "all"
    else:
        conf["acks"] = "1"
    p = Producer(conf)
    errors = []

    def report(err, msg):
        if err is not None:
            errors.append(str(err))

    for i in range(count):
        key = f"{tag}-{i}".encode()
        headers = [("src", f"ck-{'idem' if idempotent else 'plain'}-{codec}".encode())] if i % 3 else None
        kw = {"partition": i % partitions} if partitions else {}
        while True:
            try:
                p.produce(topic, key=key, value=value_for(tag, i).encode(), headers=headers, on_delivery=report, **kw)
                break
            except BufferError:
                p.poll(0.05)
        if i % 1000 == 0:
            p.poll(0)
    left = p.flush(timeout)
    assert left == 0 and not errors, f"{tag}: {left} undelivered, errors {errors[:5]}"


def delete_records(bootstrap: str, topic: str, before: dict[int, int]):
    """Raise source log starts with kafka-python's admin DeleteRecords. Returns the new
    low watermarks {partition: offset}."""
    from kafka import KafkaAdminClient
    from kafka.structs import TopicPartition
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=30000)
    try:
        res = admin.delete_records({TopicPartition(topic, p): off for p, off in before.items()})
    finally:
        admin.close()
    return res
