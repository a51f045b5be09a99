package main

import (
	"fmt"
	"io"
)

// runClaims is 'ceremony claims review|init': the administrators' side of
// PEP 480 claims (review a directory of claim requests; make the claims
// ceremony's workspace).
func runClaims(env *runEnv, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"want 'claims review' or 'claims init'"}
	}
	switch args[0] {
	case "review":
		return runClaimsReview(env, args[1:], stdout, stderr)
	case "init":
		return runClaimsInit(env, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown claims command %q: want review or init", args[0])}
}
