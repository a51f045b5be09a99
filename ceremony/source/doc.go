// Package source reads the state a ceremony starts from: a repository
// directory, a finished workspace, or the bundle of a finished ceremony
// (checked as 'verify BUNDLE' checks it, from a private copy). A rotation
// reads the whole state (Load); a claims or project ceremony reads the
// trusted root, targets and claimed (ReadTrustedState).
package source
