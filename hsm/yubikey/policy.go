package yubikey

import (
	"fmt"

	"github.com/go-piv/piv-go/v2/piv"
)

// The names of a slot's policies, as attestation.YubiKey names them.

func pinPolicyName(p piv.PINPolicy) string {
	switch p {
	case piv.PINPolicyNever:
		return "never"
	case piv.PINPolicyOnce:
		return "once"
	case piv.PINPolicyAlways:
		return "always"
	}
	return fmt.Sprintf("unknown(%d)", p)
}

func touchPolicyName(p piv.TouchPolicy) string {
	switch p {
	case piv.TouchPolicyNever:
		return "never"
	case piv.TouchPolicyAlways:
		return "always"
	case piv.TouchPolicyCached:
		return "cached"
	}
	return fmt.Sprintf("unknown(%d)", p)
}
