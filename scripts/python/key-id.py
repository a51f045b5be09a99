#!/usr/bin/python3
# key-id.py PEM...
#
# Prints, for each PEM SubjectPublicKeyInfo file, one line: the TUF key ID
# Python computes for it, then the file. The key is read and written back
# as PEM by pyca/cryptography, with the scheme its curve needs
# (ecdsa-sha2-nistp256, -nistp384; ed25519 as hex), and the key ID is the
# SHA-256 of securesystemslib's canonical JSON of keytype, scheme and
# keyval: what securesystemslib's SSlibKey.from_crypto does (0.27 and
# later; Debian's 0.26 has no from_crypto, and its legacy interface adds
# keyid_hash_algorithms, which TUF metadata does not carry).
#
# Run with Debian's python3 and python3-securesystemslib (scripts/setup).
import hashlib
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib.formats import encode_canonical

SCHEME_FOR_CURVE = {"secp256r1": "ecdsa-sha2-nistp256", "secp384r1": "ecdsa-sha2-nistp384"}


def tuf_key(pub):
    if isinstance(pub, ed25519.Ed25519PublicKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": raw.hex()}}
    if isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name in SCHEME_FOR_CURVE:
        pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"keytype": "ecdsa", "scheme": SCHEME_FOR_CURVE[pub.curve.name], "keyval": {"public": pem.decode()}}
    raise ValueError("not an Ed25519, P-256 or P-384 key")


def main():
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            pub = serialization.load_pem_public_key(f.read())
        canonical = encode_canonical(tuf_key(pub))
        if isinstance(canonical, str):
            canonical = canonical.encode("utf-8")
        print(hashlib.sha256(canonical).hexdigest(), path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
