"""Start, stop, kill and restart the real `causeway broker` binary.

Nothing here builds anything: the binary comes from $CAUSEWAY_BIN, or
`.build/debug/causeway` under the package root. Every wait has a deadline and polls
for its condition; no fixed sleeps.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = PACKAGE_ROOT / ".build" / "debug" / "causeway"

START_TIMEOUT = float(os.environ.get("CAUSEWAY_START_TIMEOUT", "30"))
STOP_TIMEOUT = float(os.environ.get("CAUSEWAY_STOP_TIMEOUT", "15"))
POLL_INTERVAL = 0.02


class BrokerStartError(RuntimeError):
    pass


def broker_binary() -> Path:
    path = Path(os.environ.get("CAUSEWAY_BIN", str(DEFAULT_BINARY)))
    if not path.is_absolute():
        path = PACKAGE_ROOT / path
    return path


def wait_until(condition, timeout: float, what: str, interval: float = POLL_INTERVAL):
    """Polls `condition()` until it returns something truthy; returns that value.
    Raises TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


class Broker:
    """One `causeway broker` process (one or several nodes) on a data directory that
    outlives the process, so it can be restarted (after SIGTERM or kill -9)."""

    def __init__(self, data_dir: Path, log_dir: Path, *, nodes: int = 1, partitions: int = 1,
                 flush_every_write: bool = False, auto_create_topics: bool = True,
                 log_level: str = "info", name: str = "broker",
                 transaction_timeout_check_interval_ms: int | None = None, extra_args: list[str] | None = None):
        self.data_dir = Path(data_dir)
        self.log_dir = Path(log_dir)
        self.nodes = nodes
        self.partitions = partitions
        self.flush_every_write = flush_every_write
        self.auto_create_topics = auto_create_topics
        self.log_level = log_level
        self.name = name
        self.transaction_timeout_check_interval_ms = transaction_timeout_check_interval_ms
        # More command-line options (authorizer, listeners, ...); may change between restarts.
        self.extra_args = list(extra_args or [])
        self.proc: subprocess.Popen | None = None
        self.bootstrap: str | None = None
        self.runs: list[dict] = []  # one entry per start: stdout/stderr paths, exit status

    # -- addresses ------------------------------------------------------------------
    @property
    def addresses(self) -> list[tuple[str, int]]:
        out = []
        for hp in (self.bootstrap or "").split(","):
            host, port = hp.rsplit(":", 1)
            out.append((host, int(port)))
        return out

    @property
    def host(self) -> str:
        return self.addresses[0][0]

    @property
    def port(self) -> int:
        return self.addresses[0][1]

    # -- lifecycle ------------------------------------------------------------------
    def command(self) -> list[str]:
        cmd = [str(broker_binary()), "broker", "--data-dir", str(self.data_dir),
               "--listen", "127.0.0.1:0", "--nodes", str(self.nodes),
               "--partitions", str(self.partitions), "--log-level", self.log_level]
        if self.flush_every_write:
            cmd.append("--flush-every-write")
        if not self.auto_create_topics:
            cmd.append("--disable-auto-create-topics")
        if self.transaction_timeout_check_interval_ms is not None:
            cmd += ["--transaction-timeout-check-interval-ms", str(self.transaction_timeout_check_interval_ms)]
        return cmd + self.extra_args

    def listener(self, name: str) -> str:
        """The address of listener `name` (SSL, SASL_SSL, ...) from the `listener.NAME=`
        line the broker prints before `bootstrap.servers=`."""
        text = self.runs[-1]["stdout"].read_text()
        match = re.search(rf"^listener\.{name}=(\S+)$", text, re.M)
        assert match, f"no listener.{name}= line in {text!r}"
        return match.group(1)

    def start(self, timeout: float = START_TIMEOUT) -> "Broker":
        assert self.proc is None or self.proc.poll() is not None, "broker already running"
        binary = broker_binary()
        if not binary.exists():
            raise BrokerStartError(
                f"broker binary {binary} not found: run `swift build` in {PACKAGE_ROOT} "
                f"or set CAUSEWAY_BIN")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        n = len(self.runs) + 1
        run = {"n": n, "stdout": self.log_dir / f"{self.name}-run{n}.stdout",
               "stderr": self.log_dir / f"{self.name}-run{n}.stderr", "exit": None,
               "command": self.command()}
        self.runs.append(run)
        # Files, not pipes: a broker that logs a lot can never block on a full pipe.
        with open(run["stdout"], "wb") as out, open(run["stderr"], "wb") as err:
            self.proc = subprocess.Popen(run["command"], stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, cwd=str(self.data_dir.parent))
        run["pid"] = self.proc.pid

        def bootstrap_line():
            text = run["stdout"].read_text(errors="replace")
            for line in text.splitlines():
                if line.startswith("bootstrap.servers=") and text.endswith("\n"):
                    return line.split("=", 1)[1].strip()
            if self.proc.poll() is not None:
                raise BrokerStartError(
                    f"broker exited with status {self.proc.returncode} before listening; "
                    f"stderr:\n{self.log_tail(run=run)}")
            return None

        try:
            self.bootstrap = wait_until(bootstrap_line, timeout, "the bootstrap.servers= line")
        except TimeoutError:
            self.kill9()
            raise BrokerStartError(f"broker printed no bootstrap.servers= line within {timeout}s; "
                                   f"stderr:\n{self.log_tail(run=run)}")
        assert len(self.addresses) == self.nodes, self.bootstrap
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited after `timeout`. Returns the exit
        status of the SIGTERM (None when it had to be killed)."""
        if self.proc is None:
            return None
        status = None
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
        self.runs[-1]["exit"] = status
        return status

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)
            self.runs[-1]["exit"] = "SIGKILL"

    def restart(self, timeout: float = START_TIMEOUT) -> "Broker":
        """Starts again on the same data directory (after stop() or kill9())."""
        if self.alive():
            self.stop()
        return self.start(timeout)

    # -- logs -----------------------------------------------------------------------
    def log_tail(self, lines: int = 60, run: dict | None = None, since: int = 0) -> str:
        run = run or (self.runs[-1] if self.runs else None)
        if run is None:
            return "(never started)"
        try:
            data = run["stderr"].read_bytes()[since:]
        except OSError as e:
            return f"(no log: {e})"
        text = data.decode(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def log_size(self) -> int:
        try:
            return self.runs[-1]["stderr"].stat().st_size
        except (OSError, IndexError):
            return 0

    def report(self, lines: int = 60) -> str:
        parts = []
        for run in self.runs:
            parts.append(f"--- {self.name} run {run['n']} pid {run.get('pid')} exit {run['exit']} "
                         f"({run['stderr']})\n{' '.join(run['command'])}\n"
                         f"{self.log_tail(lines, run)}")
        return "\n".join(parts) or "(never started)"
