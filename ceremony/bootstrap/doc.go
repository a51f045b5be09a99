// Package bootstrap is the ceremony that makes a root from a plan: root v1
// and the profile's offline roles of a new repository, or the next root
// version of an existing one (re-signing targets where the plan changes
// who signs it). Init makes the workspace, Script writes the witnesses'
// script (a script.Script), and Kind is what the engine calls for these workspaces; its
// bundle's README (RootReadme) is also the base of a rotation's.
package bootstrap
