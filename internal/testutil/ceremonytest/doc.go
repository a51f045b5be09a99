// Package ceremonytest is what the tests of the engine, the kinds, the
// auditor's side and the formats they use share to run ceremonies: a
// directory of throwaway keys and the plans written there (Fixture), the
// engine with every kind (Engine) at one fixed time (Now), ceremonies
// already under way (a finished bootstrap, a claims ceremony, a rekey) and
// the checks several packages' tests make. A helper one package's tests
// alone use stays in that package's _test.go files.
package ceremonytest
