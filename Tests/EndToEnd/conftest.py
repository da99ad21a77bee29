"""Fixtures that run the real `causeway broker` binary.

The binary is not built here: `swift build` first, or point CAUSEWAY_BIN at one.
Each fixture starts a broker on a fresh data directory under pytest's tmp_path,
listening on 127.0.0.1 with a port the system picks, and yields it once it has
printed `bootstrap.servers=`. Teardown sends SIGTERM (SIGKILL after a deadline) and
the test fails if the broker does not exit cleanly. When a test fails, the stderr of
every broker it started is attached to the report.

Every test runs under a deadline (default 120 s, `@pytest.mark.timeout(S)` to change
it), enforced with SIGALRM, and faulthandler dumps the stacks and exits if a call
blocked in C ignores it.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from broker_process import STOP_TIMEOUT, Broker, broker_binary  # noqa: E402
from support import BROKERS, register  # noqa: E402

DEFAULT_TEST_TIMEOUT = float(os.environ.get("CAUSEWAY_TEST_TIMEOUT", "120"))


def pytest_report_header(config):
    b = broker_binary()
    return f"causeway broker binary: {b} ({'present' if b.exists() else 'MISSING: run swift build'})"


# -- deadlines ----------------------------------------------------------------------

class TestDeadlineExceeded(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    marker = item.get_closest_marker("timeout")
    seconds = float(marker.args[0]) if marker else DEFAULT_TEST_TIMEOUT

    def expired(signum, frame):
        raise TestDeadlineExceeded(f"{item.nodeid} exceeded its {seconds:.0f}s deadline")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    # Backstop for a call stuck in C code that never returns to Python.
    faulthandler.dump_traceback_later(seconds + 60, exit=True)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


# -- failure reports ----------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for broker in item.stash.get(BROKERS, []):
            kind = "causeway run" if hasattr(broker, "config") else "broker"
            report.sections.append((f"{kind} {broker.name} stderr ({report.when})", broker.report()))


# -- fixtures -----------------------------------------------------------------------

@pytest.fixture
def broker_factory(request, tmp_path):
    """start(**options) -> a running Broker on a fresh data dir under tmp_path.
    Options: nodes, partitions, flush_every_write, auto_create_topics, log_level, name,
    transaction_timeout_check_interval_ms, extra_args (more command-line options).
    The Broker can be stop()ped, kill9()ed and restart()ed on the same data dir."""
    started: list[Broker] = []

    def start(**options) -> Broker:
        name = options.pop("name", f"broker{len(started) + 1}")
        broker = Broker(tmp_path / f"{name}-data", tmp_path / "logs", name=name, **options)
        started.append(broker)
        register(request, broker)
        return broker.start()

    yield start
    # A broker that ignores SIGTERM (had to be SIGKILLed) fails the test here. Its exit
    # status is checked by test_durability.py::test_sigterm_exits_cleanly instead, so
    # one known defect does not turn every test into an error.
    hung = []
    for broker in started:
        was_running = broker.alive()
        broker.stop()
        if was_running and broker.runs[-1]["exit"] == "SIGKILL after SIGTERM timeout":
            hung.append(broker.name)
    if hung:
        pytest.fail(f"broker(s) {hung} did not exit within {STOP_TIMEOUT}s of SIGTERM")


@pytest.fixture
def broker(broker_factory):
    """One node, default settings."""
    return broker_factory()


@pytest.fixture
def multi_node_broker(broker_factory):
    """Three nodes in one process, three partitions per auto-created topic."""
    return broker_factory(nodes=3, partitions=3)


@pytest.fixture
def flush_broker(broker_factory):
    """One node with --flush-every-write (fsync before every acknowledgement)."""
    return broker_factory(flush_every_write=True)


@pytest.fixture
def link_factory(request, tmp_path, broker_factory):
    """start(config, **options) -> a running `causeway run --config config` daemon
    (link_support.LinkProcess); it can be kill9()ed and start()ed again. Teardown sends
    SIGTERM and fails the test if the daemon does not exit within the stop deadline.
    Its stderr (last runs) is attached to a failure report like a broker's. Depends on
    broker_factory so that daemons stop before the brokers they talk to."""
    from link_support import LinkProcess

    started: list = []

    def start(config, **options):
        link = LinkProcess(config, tmp_path / "logs", name=options.pop("name", f"link{len(started) + 1}"),
                           **options)
        started.append(link)
        register(request, link)
        return link.start()

    yield start
    hung = []
    for link in started:
        was_running = link.alive()
        link.stop()
        if was_running and link.runs[-1]["exit"] == "SIGKILL after SIGTERM timeout":
            hung.append(link.name)
    if hung:
        pytest.fail(f"causeway run {hung} did not exit within {STOP_TIMEOUT}s of SIGTERM")
