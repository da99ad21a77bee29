"""TLS and SASL end to end: real clients (kcat, confluent-kafka) against `causeway broker`
listeners of every kind, the `causeway run` daemon's failures said in one line each, a
link mirroring over SASL_SSL on both sides, and no secret in any output.

Certificates come from pki.py (openssl at run time). Brokers keep a PLAINTEXT listener
beside the secured ones, so that the independent checkers (kwire offsets,
compare_clusters.py) need no TLS or SASL of their own."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from broker_process import Broker, wait_until
from link_support import (KCAT, compare_clusters, causeway_status, kcat_produce, source_batch_census,
                          status_table, wait_caught_up, write_link_config, Offsets)
from pki import CLIENT_DN, CLIENT_KEY_PASSWORD, make_pki

ALICE_PASSWORD = "alice-pw-Zq81x"   # SCRAM user, given to the broker via env:
BOB_PASSWORD = "bob-pw-Kv40e"       # PLAIN user, given literally
WRONG_PASSWORD = "not-the-password-777"
SECRETS = [ALICE_PASSWORD, BOB_PASSWORD, WRONG_PASSWORD, CLIENT_KEY_PASSWORD]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def secure_broker(broker_factory, pki, monkeypatch):
    """start(name, listeners, server_cert="server", client_auth="none", log_level="info")."""
    monkeypatch.setenv("ALICE_PASSWORD", ALICE_PASSWORD)

    def start(name: str, listeners: list[str], server_cert: str = "server", client_auth: str = "none",
              log_level: str = "info") -> Broker:
        extra = []
        for listener in listeners:
            extra += ["--listener", f"{listener}://127.0.0.1:0"]
        extra += ["--ssl-cert", str(pki[server_cert]), "--ssl-key", str(pki[f"{server_cert}.key"]),
                  "--ssl-ca", str(pki["ca"]), "--ssl-client-auth", client_auth,
                  "--scram-user", "alice:env:ALICE_PASSWORD", "--scram-user", f"bob:{BOB_PASSWORD}"]
        return broker_factory(name=name, log_level=log_level, extra_args=extra)

    return start


def assert_no_secrets(tmp_path: Path, *texts: str):
    """No password or key password in any captured output of brokers and daemons."""
    outputs = {str(p): p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*")}
    outputs.update({f"text{i}": t for i, t in enumerate(texts)})
    for where, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, f"secret leaked in {where}"


# -- real clients ---------------------------------------------------------------------

def kcat(bootstrap: str, settings: dict, *args: str, data: bytes | None = None, timeout: float = 60):
    cmd = [KCAT, "-b", bootstrap]
    for key, value in settings.items():
        cmd += ["-X", f"{key}={value}"]
    return subprocess.run(cmd + list(args), input=data, capture_output=True, timeout=timeout)


def kcat_round_trip(bootstrap: str, settings: dict, topic: str, count: int = 50) -> list[str]:
    lines = [f"{topic}-message-{i}" for i in range(count)]
    produced = kcat(bootstrap, settings, "-P", "-t", topic, data=("\n".join(lines) + "\n").encode())
    assert produced.returncode == 0, produced.stderr.decode()
    consumed = kcat(bootstrap, settings, "-C", "-t", topic, "-o", "beginning", "-e", "-q")
    assert consumed.returncode == 0, consumed.stderr.decode()
    assert consumed.stdout.decode().splitlines() == lines
    return lines


def confluent_round_trip(bootstrap: str, settings: dict, topic: str, count: int = 50):
    from confluent_kafka import Consumer, Producer
    producer = Producer({"bootstrap.servers": bootstrap, **settings})
    errors = []
    for i in range(count):
        producer.produce(topic, key=str(i).encode(), value=f"ck-{i}".encode(),
                         on_delivery=lambda err, msg: err and errors.append(str(err)))
    assert producer.flush(30) == 0 and not errors, errors
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{topic}", "auto.offset.reset": "earliest",
                         **settings})
    consumer.subscribe([topic])
    got = []
    deadline = time.monotonic() + 60
    try:
        while len(got) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            got.append(msg.value().decode())
    finally:
        consumer.close()
    assert got == [f"ck-{i}" for i in range(count)]


def sasl(mechanism: str, user: str, password: str) -> dict:
    return {"sasl.mechanisms": mechanism, "sasl.username": user, "sasl.password": password}


def tls(pki, **extra) -> dict:
    return {"ssl.ca.location": str(pki["ca"]), **extra}


@pytest.mark.timeout(180)
def test_sasl_ssl_scram_sha512_kcat_and_confluent(secure_broker, pki, tmp_path):
    broker = secure_broker("b", ["SASL_SSL"])
    address = broker.listener("SASL_SSL")
    assert address != broker.bootstrap
    settings = {"security.protocol": "SASL_SSL", **tls(pki), **sasl("SCRAM-SHA-512", "alice", ALICE_PASSWORD)}
    kcat_round_trip(address, settings, "scram-kcat")
    confluent_round_trip(address, settings, "scram-ck")
    # SCRAM-SHA-256 is served for the same user.
    kcat_round_trip(address, {**settings, "sasl.mechanisms": "SCRAM-SHA-256"}, "scram256-kcat", count=5)
    # Metadata on the secured listener advertises the secured listener.
    listing = kcat(address, settings, "-L", "-J")
    assert listing.returncode == 0
    assert f'"name":"{address}/' in listing.stdout.decode().replace(" ", "") or address.split(":")[1] in listing.stdout.decode()
    assert_no_secrets(tmp_path)


@pytest.mark.timeout(180)
def test_mtls_kcat_and_confluent(secure_broker, pki, tmp_path):
    broker = secure_broker("b", ["SSL"], client_auth="required", log_level="debug")
    address = broker.listener("SSL")
    settings = {"security.protocol": "SSL", **tls(pki), "ssl.certificate.location": str(pki["client"]),
                "ssl.key.location": str(pki["client-encrypted.key"]), "ssl.key.password": CLIENT_KEY_PASSWORD}
    kcat_round_trip(address, settings, "mtls-kcat")
    confluent_round_trip(address, settings, "mtls-ck")
    # The connection's principal is the certificate's subject, as Kafka formats it.
    wait_until(lambda: f"User:{CLIENT_DN}" in broker.log_tail(10_000), 10, "the mTLS principal in the broker log")
    # Without a client certificate the broker refuses the handshake.
    refused = kcat(address, {"security.protocol": "SSL", **tls(pki)}, "-L", timeout=30)
    assert refused.returncode != 0
    assert_no_secrets(tmp_path)


@pytest.mark.timeout(180)
def test_sasl_plaintext_plain_kcat_and_confluent(secure_broker, tmp_path):
    # Debug logging: PLAIN carries the password itself, and even then no log line has it.
    broker = secure_broker("b", ["SASL_PLAINTEXT"], log_level="debug")
    address = broker.listener("SASL_PLAINTEXT")
    settings = {"security.protocol": "SASL_PLAINTEXT", **sasl("PLAIN", "bob", BOB_PASSWORD)}
    kcat_round_trip(address, settings, "plain-kcat")
    confluent_round_trip(address, settings, "plain-ck")
    assert_no_secrets(tmp_path)


@pytest.mark.timeout(180)
def test_broker_rejects_bad_clients(secure_broker, pki, tmp_path):
    import kwire
    broker = secure_broker("b", ["SASL_SSL", "SASL_PLAINTEXT"])
    sasl_ssl = broker.listener("SASL_SSL")
    # A wrong password: refused, and the broker says for whom.
    wrong = kcat(sasl_ssl, {"security.protocol": "SASL_SSL", **tls(pki), **sasl("SCRAM-SHA-512", "alice", WRONG_PASSWORD)},
                 "-L", "-m", "5", timeout=30)
    assert wrong.returncode != 0
    assert "Authentication failed" in wrong.stderr.decode() or "authentication" in wrong.stderr.decode().lower()
    wait_until(lambda: "SASL authentication failed for user alice" in broker.log_tail(10_000), 10,
               "the refusal in the broker log")
    # PLAIN with a wrong password, and a mechanism the user asks for that is not offered.
    plain = kcat(broker.listener("SASL_PLAINTEXT"), {"security.protocol": "SASL_PLAINTEXT",
                                                     **sasl("PLAIN", "bob", WRONG_PASSWORD)}, "-L", "-m", "5")
    assert plain.returncode != 0
    # A request before authentication closes the connection (as Kafka does); ApiVersions is served.
    host, port = broker.listener("SASL_PLAINTEXT").rsplit(":", 1)
    c = kwire.Conn(host, int(port), timeout=10)
    try:
        _, _, versions = c.call(18, 3, {"ClientSoftwareName": "t", "ClientSoftwareVersion": "1"})
        assert versions["ErrorCode"] == 0
        try:
            _, response, _ = c.call(3, 12, {"Topics": None, "AllowAutoTopicCreation": False,
                                            "IncludeTopicAuthorizedOperations": False})
        except (OSError, EOFError, ConnectionError):
            response = None
        assert not response, "Metadata was answered before SASL authentication"
    finally:
        c.close()
    wait_until(lambda: "before SASL authentication" in broker.log_tail(10_000), 10, "the refusal in the log")
    assert_no_secrets(tmp_path)


@pytest.mark.timeout(120)
def test_add_user_saves_salted_credentials_that_the_broker_accepts(secure_broker, pki, tmp_path, monkeypatch):
    from broker_process import broker_binary
    data = tmp_path / "b-data"
    monkeypatch.setenv("CAROL_PASSWORD", "carol-pw-Lx93")
    SECRETS.append("carol-pw-Lx93")
    try:
        added = subprocess.run([str(broker_binary()), "broker", "add-user", "--data-dir", str(data), "--user", "carol",
                                "--password", "env:CAROL_PASSWORD"], capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        stored = (data / "scram-credentials.json").read_text()
        assert '"carol"' in stored and "SCRAM-SHA-512" in stored and "carol-pw-Lx93" not in stored
        broker = secure_broker("b", ["SASL_SSL"])
        settings = {"security.protocol": "SASL_SSL", **tls(pki), **sasl("SCRAM-SHA-512", "carol", "carol-pw-Lx93")}
        kcat_round_trip(broker.listener("SASL_SSL"), settings, "carol-topic", count=5)
        # PLAIN is checked against the same salted credential.
        plain = {"security.protocol": "SASL_SSL", **tls(pki), **sasl("PLAIN", "carol", "carol-pw-Lx93")}
        kcat_round_trip(broker.listener("SASL_SSL"), plain, "carol-plain", count=5)
        assert_no_secrets(tmp_path, added.stdout, added.stderr)
    finally:
        SECRETS.remove("carol-pw-Lx93")


# -- causeway's own client: failures in one line, retried, never crashing ---------------

FAILURES = {
    # case: (listener or (broker cert, listener), client security mapping, expected text)
    "wrong_password": ("server", "SASL_SSL", "SASL_SSL", {"sasl": ("SCRAM-SHA-512", "alice", "WRONG")},
                       "SASL authentication failed for user alice at 127.0.0.1:"),
    "unknown_ca": ("untrusted", "SSL", "SSL", {}, "signed by an unknown CA"),
    "expired": ("expired", "SSL", "SSL", {}, "certificate expired at"),
    "hostname_mismatch": ("wronghost", "SSL", "SSL", {}, "certificate does not name 127.0.0.1"),
    "tls_to_plaintext_port": ("server", "PLAINTEXT", "SSL", {}, "plaintext listener"),
    "plaintext_to_tls_port": ("server", "SSL", "PLAINTEXT", {}, "is it a TLS listener?"),
}


def security_yaml(protocol: str, pki, sasl_user: tuple | None = None, password_ref: str | None = None) -> str:
    lines = [f"security:", f"  protocol: {protocol}"]
    if protocol.endswith("SSL"):
        lines += ["  tls:", f"    caFile: {pki['ca']}"]
    if sasl_user:
        mechanism, user, _ = sasl_user
        lines += ["  sasl:", f"    mechanism: {mechanism}", f"    username: {user}", f"    password: {password_ref}"]
    return "\n".join(lines)


def indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def write_secured_link(path: Path, *, source: str, destination: str, source_security: str,
                       destination_security: str | None, store: Path, prefix: str) -> Path:
    """link_support's link file with a `security:` section under the source (and the destination)."""
    write_link_config(path, name="secured", source=source, destination=destination, prefix=prefix, store=store)
    text = path.read_text()
    text = text.replace(f'  bootstrap: "{source}"\n', f'  bootstrap: "{source}"\n{indent(source_security, 2)}\n', 1)
    if destination_security:
        text = text.replace(f'    bootstrap: "{destination}"\n',
                            f'    bootstrap: "{destination}"\n{indent(destination_security, 4)}\n', 1)
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", sorted(FAILURES))
@pytest.mark.timeout(120)
def test_causeway_reports_each_failure_and_keeps_retrying(case, secure_broker, broker_factory, link_factory, pki,
                                                          tmp_path, monkeypatch):
    cert, listener, client_protocol, options, expected = FAILURES[case]
    broker = secure_broker("src", [] if listener == "PLAINTEXT" else [listener], server_cert=cert)
    address = broker.bootstrap if listener == "PLAINTEXT" else broker.listener(listener)
    dst = broker_factory(name="dst")
    monkeypatch.setenv("CAUSEWAY_TEST_PASSWORD", WRONG_PASSWORD)
    security = security_yaml(client_protocol, pki, options.get("sasl"), "env:CAUSEWAY_TEST_PASSWORD")
    config = write_secured_link(tmp_path / "link.yaml", source=address, destination=dst.bootstrap,
                                source_security=security, destination_security=None,
                                store=tmp_path / "link.db", prefix="t")
    link = link_factory(config)
    wait_until(lambda: link.grep_logs(expected), 30, f"'{expected}' in the daemon's log")
    # The daemon stays up and keeps retrying at its pace (discovery every 500 ms with the
    # client's backoff), not in a tight loop.
    first = len(link.grep_logs(expected))
    wait_until(lambda: len(link.grep_logs(expected)) > first + 1, 20, "two retries of the failed connection")
    count = len(link.grep_logs(expected))
    elapsed = time.monotonic() - link.runs[-1]["started"]
    assert link.alive()
    assert count <= 4 * elapsed + 4, f"{count} failures in {elapsed:.1f}s: retrying too fast"
    for line in link.grep_logs(expected):
        assert address in line or "127.0.0.1" in line, line
    status = causeway_status(config)
    assert_no_secrets(tmp_path, status.stdout, status.stderr)


@pytest.mark.timeout(120)
def test_hostname_verification_can_be_turned_off(secure_broker, broker_factory, link_factory, pki, tmp_path):
    """A certificate for another host is refused by default (above) and accepted with
    verifyHostname: false, as with ssl.endpoint.identification.algorithm empty; its CA
    must still be trusted."""
    src = secure_broker("src", ["SSL"], server_cert="wronghost")
    dst = broker_factory(name="dst")
    kcat_produce(src.bootstrap, "vh.topic", "none", 100, tag="vh")
    security = security_yaml("SSL", pki) + "\n    verifyHostname: false"
    config = write_secured_link(tmp_path / "link.yaml", source=src.listener("SSL"), destination=dst.bootstrap,
                                source_security=security, destination_security=None, store=tmp_path / "link.db",
                                prefix="vh.")
    link = link_factory(config)
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, ["vh.topic"], timeout=60)
    assert not link.grep_logs("TLS to")


# -- a link over SASL_SSL on both sides ---------------------------------------------------

@pytest.mark.timeout(300)
def test_link_mirrors_over_sasl_ssl(secure_broker, link_factory, pki, tmp_path, monkeypatch):
    src = secure_broker("src", ["SASL_SSL"])
    dst = secure_broker("dst", ["SASL_SSL"])
    topics = ["sec.orders", "sec.payments"]
    for codec, topic in zip(["lz4", "zstd"], topics):
        kcat_produce(src.bootstrap, topic, codec, 3000, tag=topic)
    monkeypatch.setenv("CAUSEWAY_SRC_PASSWORD", ALICE_PASSWORD)
    password_file = tmp_path / "dst-password"
    password_file.write_text(ALICE_PASSWORD + "\n")
    config = write_secured_link(
        tmp_path / "link.yaml", source=src.listener("SASL_SSL"), destination=dst.listener("SASL_SSL"),
        source_security=security_yaml("SASL_SSL", pki, ("SCRAM-SHA-512", "alice", None), "env:CAUSEWAY_SRC_PASSWORD"),
        destination_security=security_yaml("SASL_SSL", pki, ("SCRAM-SHA-256", "alice", None), f"file:{password_file}"),
        store=tmp_path / "link.db", prefix="sec.")
    link = link_factory(config, log_level="debug")
    # More records while the link runs, over the secured listener too.
    settings = {"security.protocol": "SASL_SSL", **tls(pki), **sasl("SCRAM-SHA-512", "alice", ALICE_PASSWORD)}
    kcat_round_trip(src.listener("SASL_SSL"), settings, "sec.live", count=200)
    topics.append("sec.live")
    wait_caught_up(config, link, src.bootstrap, dst.bootstrap, topics, timeout=180)
    status, summary, output = compare_clusters(src.bootstrap, dst.bootstrap, topics)
    assert summary is not None, output
    assert status == 0, output
    assert summary["partitions"] == len(topics), summary
    table = status_table(config)
    assert_no_secrets(tmp_path, table, output)
