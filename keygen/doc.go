// Package keygen defines the keygen evidence file: written beside a public
// key when the key is made ('ceremony keygen', a rehearsal's simulated
// devices), it says which key was made, when, at which URI and on which
// device. Init turns it into the keyholder's keygen record in the
// transcript, so the record of a key's making travels with the ceremony.
package keygen
