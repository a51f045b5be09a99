// Package rotate is key rotation: a planned key change, or the recovery
// after a key or the online server was compromised. Run works out the
// rotation plan from the trusted state (package rotation analyses it) and
// makes a workspace that signs the next root and re-signs the offline roles
// the changed keys reach; a key the plan names as stolen signs nothing.
// Its bundle carries the plan and an incident report for the online side,
// and Script prints the witnesses' script of the rotation.
package rotate
