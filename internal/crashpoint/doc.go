// Package crashpoint lets the crash tests kill the process at a named step,
// the way a power cut or SIGKILL would: no deferred function runs, no
// buffer is flushed. The points exist only in a build with the
// "crashpoints" tag, which the crash tests make; in every other build Hit is
// an empty function and CEREMONY_TEST_CRASH means nothing. In a tagged build
// Hit does nothing unless CEREMONY_TEST_CRASH names the point, and the
// variable is read once, at start.
//
// The points are where a ceremony step moves from one durable state to the
// next (a state stored, a record appended, a file written); the test kills
// at each of them and checks that the next command resumes with nothing
// lost (e2e/crash_test.go).
package crashpoint

// Env is the variable naming the point to crash at ("sign:after-record"),
// optionally with the occurrence ("sign:after-record#2", counting from 1).
const Env = "CEREMONY_TEST_CRASH"

// Tag is the build tag that compiles the points in.
const Tag = "crashpoints"
