// Package rotation plans a key rotation of a TUF repository: the planned
// kinds (a keyholder's device replaced, a holder swapping their own key,
// the yearly re-sign, the online key replaced) and the recovery after a
// compromise.
//
// Everything here is pure: given the trusted metadata (State: the current
// root, the targets metadata at hand, the versions seen) and what happened
// (Request: keys stolen, keys lost, the online server compromised, the
// replacement keys), Analyze returns a Plan:
//
//   - Reach: which roles each compromised key reaches, directly (it is
//     listed in the role) and through delegations (it can sign a role that
//     delegates, so it controls everything below);
//   - whether recovery is possible in band: when the stolen keys alone meet
//     the trusted root's threshold, an attacker can sign the next root
//     themselves, and no root the keyholders sign can revoke them for a
//     client that sees the attacker's first; when too few keys remain to
//     meet the previous root's threshold, the next root cannot be signed.
//     Either way the Plan says so plainly and gives the out-of-band
//     procedure instead;
//   - the next root version without the compromised keys and with their
//     replacements, each threshold checked to still hold;
//   - the offline metadata re-signed (targets, claimed) where its keys or
//     its delegations' keys change, at versions above every version seen
//     (an attacker's included), from the last good content where an
//     attacker could have signed it;
//   - what the online side re-signs, at which versions, and the
//     fast-forward attack recovery of TUF 1.0.31 §5.3.11: when the keys of
//     timestamp (or snapshot) change, clients delete their trusted
//     timestamp and snapshot (snapshot), so versions an attacker pushed up
//     no longer hold them back;
//   - who signs what, in which order, and the online side's steps in order:
//     the new online key live before the new root, bins compared with the
//     last good snapshot, timestamp last.
//
// Reading the metadata from a repository or a workspace, and running the
// plan as a ceremony, are ceremony/rotate's (rotate.Run).
package rotation
