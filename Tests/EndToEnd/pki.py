"""Test certificates made at run time with the openssl CLI: a CA, a server certificate
for localhost/127.0.0.1, one that expired yesterday, one for another host, one from an
unknown CA, and a client certificate (CN=client,O=Causeway Tests) with an encrypted key."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

OPENSSL = shutil.which("openssl")
CLIENT_KEY_PASSWORD = "client-key-pass-4711"
CLIENT_DN = "CN=client,O=Causeway Tests"


def _run(*args: str, cwd: Path):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(d: Path, name: str, subject: str):
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
         "-days", "3650", "-subj", subject, cwd=d)


def _leaf(d: Path, name: str, ca: str, subject: str, san: str | None, days: int, extended_usage: str):
    _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
         "-subj", subject, cwd=d)
    ext = d / f"{name}.ext"
    lines = [f"extendedKeyUsage={extended_usage}", "basicConstraints=CA:FALSE"]
    if san:
        lines.append(f"subjectAltName={san}")
    ext.write_text("\n".join(lines) + "\n")
    _run("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
         "-out", f"{name}.pem", "-days", str(days), "-extfile", ext.name, cwd=d)


def make_pki(d: Path) -> dict[str, Path]:
    assert OPENSSL, "openssl is not installed (make deps)"
    d.mkdir(parents=True, exist_ok=True)
    _ca(d, "ca", "/CN=Causeway Test CA")
    _ca(d, "other-ca", "/CN=Some Other CA")
    localhost = "DNS:localhost,IP:127.0.0.1"
    _leaf(d, "server", "ca", "/CN=localhost", localhost, 30, "serverAuth")
    _leaf(d, "expired", "ca", "/CN=localhost", localhost, -1, "serverAuth")
    _leaf(d, "wronghost", "ca", "/CN=wrong.example", "DNS:wrong.example", 30, "serverAuth")
    _leaf(d, "untrusted", "other-ca", "/CN=localhost", localhost, 30, "serverAuth")
    _leaf(d, "client", "ca", "/O=Causeway Tests/CN=client", None, 30, "clientAuth")
    # The client key encrypted, as ssl.key.password expects.
    _run("pkcs8", "-topk8", "-in", "client.key", "-out", "client-encrypted.key", "-v2", "aes-256-cbc",
         "-passout", f"pass:{CLIENT_KEY_PASSWORD}", cwd=d)
    return {p.stem if p.suffix == ".pem" else p.name: p for p in d.iterdir()}
