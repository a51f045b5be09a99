#!/usr/bin/python3
# read-root.py FILE
#
# Reads root metadata as a Python TUF client reads it: json.loads (exact,
# case-sensitive member names; of two equal names the later wins), then
# the canonical form of "signed" that securesystemslib makes, which is what
# signatures are checked over. Prints what it read, one line of JSON:
# {"ok":true,"version":N,"roles":{...},"keys":[...],"canonical_sha256":"..."}
# or {"ok":false,"file":"...","error":"..."} and exits 1. Signatures are not
# checked: this is about how the bytes are read.
#
# Run with Debian's python3 and python3-securesystemslib (scripts/setup).
import hashlib
import json
import sys

from securesystemslib.formats import encode_canonical


def main():
    if len(sys.argv) != 2:
        print("usage: read-root.py FILE", file=sys.stderr)
        return 2
    path = sys.argv[1]
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        signed = doc["signed"]
        if signed.get("_type") != "root":
            raise ValueError("_type is %r, not root" % signed.get("_type"))
        roles = {}
        for name, role in signed["roles"].items():
            roles[name] = {"threshold": role["threshold"], "keyids": sorted(role["keyids"])}
        canonical = encode_canonical(signed)
        if isinstance(canonical, str):
            canonical = canonical.encode("utf-8")
        print(json.dumps({
            "ok": True,
            "version": signed["version"],
            "roles": roles,
            "keys": sorted(signed["keys"].keys()),
            "canonical_sha256": hashlib.sha256(canonical).hexdigest(),
        }))
        return 0
    except Exception as err:  # every refusal is reported the same way
        print(json.dumps({"ok": False, "file": path, "error": str(err)}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
