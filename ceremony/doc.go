// Package ceremony holds the ceremony steps: init, sign, status and verify of
// a workspace, and the non-interactive demo. Each step is one straight-line
// function that the command line and the terminal UI both call; neither has
// ceremony logic of its own.
//
// Steps never ask for anything themselves: secrets are asked through the
// keys.Prompter the caller passes, and a step either completes or leaves the
// workspace as it was before the step's last atomic write.
package ceremony
