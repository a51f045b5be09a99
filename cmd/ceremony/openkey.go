package main

import "github.com/tuf-ceremony/ceremony/keys"

// openKey opens the key uri names, its secret read once from its
// pin-source or asked on the terminal; close releases the device (a no-op
// for file keys) and clears a secret read from a pin-source.
func openKey(env *runEnv, uri string) (s keys.Signer, close func(), err error) {
	openURI, p, _, done, err := keys.OpenPINSource(uri, terminalPrompter{})
	if err != nil {
		return nil, nil, err
	}
	s, err = env.keys.Open(openURI, p)
	if err != nil {
		done()
		return nil, nil, err
	}
	if c, ok := s.(keys.Closer); ok {
		return s, func() { c.Close(); done() }, nil
	}
	return s, done, nil
}
