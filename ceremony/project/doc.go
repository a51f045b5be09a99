// Package project is a maintainers' ceremony for their claimed project:
// the next version of the project's targets role, listing the project's
// files, signed by the keys claimed delegates the project to. Init makes
// the workspace from the trusted state (a repository, or the claims
// ceremony's workspace or bundle); its bundle carries the target files.
package project
