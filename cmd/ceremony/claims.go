package main

import (
	"io"
)

// runClaims is 'ceremony claims review|init': the administrators' side of
// PEP 480 claims (review a directory of claim requests; make the claims
// ceremony's workspace).
func runClaims(env *runEnv, args []string, stdout, stderr io.Writer) error {
	return runGroup(env, "claims", []subcommand{
		{"review", "review a directory of claim requests: what each would add, why each refused one is refused", runClaimsReview},
		{"init", "make the claims ceremony's workspace: claimed's next version with the accepted claims", runClaimsInit},
	}, args, stdout, stderr)
}
