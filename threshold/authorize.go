package threshold

import (
	"errors"
	"fmt"
	"slices"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// ErrNotAuthorized means a key no rule lists was asked to sign.
var ErrNotAuthorized = errors.New("key is not authorized")

// KeyIDsOf returns the key IDs under which the rules list pub. A key that
// the previous and the new root list under different IDs signs under each.
func KeyIDsOf(rules []Rule, pub *metadata.Key) []string {
	var ids []string
	for _, r := range rules {
		if id, ok := r.KeyIDFor(pub); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// Label names a delegating role's version in rules and messages:
// "targets v3".
func Label(role string, version int64) string {
	return fmt.Sprintf("%s v%d", role, version)
}
