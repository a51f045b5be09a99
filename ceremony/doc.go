// Package ceremony is the ceremony engine: the steps every workspace goes
// through, whatever kind of ceremony it holds. A workspace is opened and
// locked, reconciled with its transcript after a crash, and then signed
// (Sign, ImportSignatures), noted (Note), sealed (Seal), bundled (Bundle)
// and replayed (Replay); Status, Review and CheckDevice read it without
// changing it.
//
// The engine knows no kind of ceremony by name. An Engine is made with the
// kinds a program runs (ceremony/kinds puts every kind together) and calls
// the workspace's Kind where kinds differ: which keys it refuses, what its
// init made, what it may change, its own files and what its bundle says.
// The kinds themselves (ceremony/bootstrap, ceremony/rotate,
// ceremony/claimed, ceremony/project) make their workspaces and use the
// engine's pieces (Load, RecordInit, VerifyAttestations) to do it; the
// auditor's side (package audit) verifies and replays what they produce.
//
// Each step is one straight-line function that the command line and the
// terminal UI both call; neither has ceremony logic of its own. Steps never
// ask for anything themselves: secrets are asked through the keys.Prompter
// the caller passes, and a step either completes or leaves the workspace as
// it was before the step's last atomic write.
//
// Time comes from one clock, Engine.Now: every step takes the time as a
// value (an Options.Now, or a now parameter where a step has no options)
// and a zero value means that clock, so a ceremony whose time was fixed
// once (a rotation planned, a claims review read) runs at that time.
package ceremony
