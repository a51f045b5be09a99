package main

import "github.com/tuf-ceremony/ceremony/keys"

// openKey opens the key uri names, asking on the terminal for its secret;
// close releases the device (a no-op for file keys).
func openKey(env *runEnv, uri string) (s keys.Signer, close func(), err error) {
	s, err = env.keys.Open(uri, terminalPrompter{})
	if err != nil {
		return nil, nil, err
	}
	if c, ok := s.(keys.Closer); ok {
		return s, func() { c.Close() }, nil
	}
	return s, func() {}, nil
}
