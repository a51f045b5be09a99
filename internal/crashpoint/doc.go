// Package crashpoint lets the crash tests kill the process at a named step,
// the way a power cut or SIGKILL would: no deferred function runs, no
// buffer is flushed. The points exist only in a build with the
// "crashpoints" tag, which the crash tests make (crashpoint.go); every
// other build has off.go, where Hit is an empty function and no variable of
// the environment is read. In a tagged build Hit does nothing unless the
// variable Env names the point; it is read once, at start.
//
// The points are where a ceremony step moves from one durable state to the
// next (a state stored, a record appended, a file written); the test kills
// at each of them and checks that the next command resumes with nothing
// lost (e2e/crash_test.go). FS is one more point, hit before every write,
// fsync, link, rename, unlink, mkdir and truncate the workspace's writers
// make (internal/atomicfile, transcripts): "fs#N" kills before the N-th,
// so a test can kill a command at every one of them in turn
// (e2e/fsfault_test.go).
package crashpoint

// FS is the point before each filesystem change (see the package doc).
const FS = "fs"
