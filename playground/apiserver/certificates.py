"""The API server's TLS: a certificate authority made once per data folder, and a serving
certificate it signs for the names the server is reached by.

Why TLS at all, on a laptop: kubectl (client-go's clientcmd) sends a kubeconfig's credentials
only over TLS — to a plain-HTTP server it sends no token, and every request is 401. So the API
is served over HTTPS, and the kubeconfig carries this authority's certificate, as kind's does.
"""
from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
VALID_FOR = datetime.timedelta(days=3650)


def authority_certificate(folder: Path) -> bytes:
    """The authority's certificate (PEM), made the first time it is asked for."""
    _ensure_authority(folder)
    return (folder / "ca.crt").read_bytes()


def serving_certificate(folder: Path, hosts: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """(certificate, key) files for serving as every loopback name and `hosts`; made again when
    a host is new to it."""
    names = sorted({*LOOPBACK_NAMES, *(h for h in hosts if h not in ("0.0.0.0", "::"))})
    cert_path, key_path, names_path = folder / "apiserver.crt", folder / "apiserver.key", folder / "apiserver.names"
    if cert_path.exists() and key_path.exists() and names_path.exists() and names_path.read_text() == "\n".join(names):
        return cert_path, key_path
    ca_key, ca_cert = _ensure_authority(folder)
    key = ec.generate_private_key(ec.SECP256R1())
    alternative_names = [x509.IPAddress(ipaddress.ip_address(n)) if _is_ip(n) else x509.DNSName(n) for n in names]
    certificate = (
        _builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]), ca_cert.subject, key)
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    names_path.write_text("\n".join(names))
    return cert_path, key_path


def _ensure_authority(folder: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "ca.crt", folder / "ca.key"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes-playground-ca")])
    certificate = (
        _builder(name, name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def _builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + VALID_FOR)
    )


def _write_private(path: Path, data: bytes) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(data)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
