package rstuf

import (
	"bytes"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// Update builds RSTUF's metadata update payload for a new root version:
// {"metadata": {"root": ...}} with "signed" copied byte for byte.
//
// Without the trusted root only the new root's own rules can be checked
// here (its structure, RSTUF's online key and names, its own threshold and
// the signatures by its own keys; signatures by keys only the trusted root
// lists are let through unchecked). CheckUpdate with the trusted root
// checks the rest and should be run before the payload leaves the machine.
func Update(root *metafile.File) ([]byte, error) {
	if root == nil {
		return nil, fmt.Errorf("update payload needs a signed root")
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"metadata\": {\n    \"root\": ")
	writeMetadata(&b, root, "    ")
	b.WriteString("\n  }\n}\n")
	out := b.Bytes()
	if err := checkUpdate(out, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckUpdate checks a metadata update payload against the root RSTUF
// trusts now, by RSTUF's rules, all at once; the error is an *Error naming
// each field that is wrong.
//
// From RSTUF's worker (repository_service_tuf_worker/repository.py
// _verify_new_root_signing): the new root is version trusted+1, and is
// signed by the trusted root's root threshold and by its own. From its API
// (repository_service_tuf_api/metadata.py MetadataPostPayload,
// common_models.py TUFMetadata): metadata holds root only, and root is read
// into models that keep only the fields they know (keys: keytype, scheme,
// keyval public/issuer/identity, name, x-rstuf-key-name,
// x-rstuf-online-key-uri; roles: keyids, threshold) before it reaches the
// worker, so any other field there would be dropped and the signatures
// broken. The online key rules, key names and root threshold are those of
// the bootstrap (CheckBootstrap). Ours, stricter than RSTUF: both
// thresholds met (RSTUF would hold the update pending), every signature
// valid, no placeholder signatures.
func CheckUpdate(payload []byte, trusted *metafile.File) error {
	if trusted == nil {
		return fmt.Errorf("checking an update payload needs the trusted root")
	}
	return checkUpdate(payload, trusted)
}

func checkUpdate(payload []byte, trusted *metafile.File) error {
	var trustedRoot *metadata.RootType
	if trusted != nil {
		var err error
		if trustedRoot, err = trusted.Root(); err != nil {
			return fmt.Errorf("trusted root: %w", err)
		}
	}
	c := &checker{}
	top, ok := asObject(payload)
	if !ok {
		c.add("(payload)", "is not a JSON object")
		return c.err("update payload")
	}
	c.checkFields("", top, []string{"metadata"}, "of RSTUF's metadata update payload")
	md, ok := asObject(top["metadata"])
	if !ok {
		c.add("metadata", "is missing or not an object; it holds the new root")
		return c.err("update payload")
	}
	c.checkFields("metadata", md, []string{metadata.ROOT}, "RSTUF's metadata update takes (root only)")
	raw, ok := md[metadata.ROOT]
	if !ok {
		c.add("metadata.root", "is missing; it is the new root")
		return c.err("update payload")
	}
	f, err := metafile.Parse(raw)
	if err != nil {
		c.add("metadata.root", "%v", err)
		return c.err("update payload")
	}
	root := c.checkRoot("metadata.root", f, forUpdate, trustedRoot)
	if root == nil {
		return c.err("update payload")
	}
	rules, err := threshold.RootRules(root, trustedRoot)
	if err != nil {
		c.add("metadata.root", "%v", err)
		return c.err("update payload")
	}
	what := describeVersion(root, "")
	if trustedRoot != nil {
		what = describeVersion(trustedRoot, "the trusted ") + " or " + describeVersion(root, "the new ")
	}
	c.checkSignatures("metadata.root", f, rules, what, trustedRoot == nil)
	return c.err("update payload")
}
