"""The studio's self-signed certificate. Venues pin its SHA-256 fingerprint (from the invite), so
no certificate authority is needed on a LAN and a look-alike server is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from media.private_files import make_private_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudioCertificate:
    cert_path: Path
    key_path: Path
    fingerprint: str  # "AB:CD:…", SHA-256 of the DER certificate

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_path, self.key_path)
        return ctx


def fingerprint_of(der: bytes) -> str:
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def fingerprint_bytes(fingerprint: str) -> bytes:
    return bytes.fromhex(fingerprint.replace(":", ""))


def ensure_certificate(directory: Path, hosts: list[str]) -> StudioCertificate:
    """Load the studio certificate from `directory`, creating it on first run."""
    cert_path, key_path = directory / "studio-cert.pem", directory / "studio-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        _create(cert_path, key_path, hosts)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    der = cert.public_bytes(serialization.Encoding.DER)
    return StudioCertificate(cert_path, key_path, fingerprint_of(der))


def _create(cert_path: Path, key_path: Path, hosts: list[str]) -> None:
    make_private_dir(cert_path.parent)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ceremony studio")])
    sans: list[x509.GeneralName] = [x509.DNSName("localhost")]
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    log.info("created studio certificate %s", cert_path)
