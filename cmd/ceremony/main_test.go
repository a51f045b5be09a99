package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
)

func TestMain(m *testing.M) {
	// The scripts run the binary as "ceremony"; the device tests need a
	// private pcscd, which pcsctest stops when the tests end.
	os.Exit(pcsctest.Wrap(func() int {
		return testscript.RunMain(m, map[string]func() int{
			"ceremony": func() int { return run(os.Args[1:], os.Stdout, os.Stderr) },
		})
	}))
}

// TestScripts runs the command-line scripts in testdata/script: every
// command and every refusal, through the real binary's entry point.
func TestScripts(t *testing.T) {
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(testdata); err != nil {
		t.Fatalf("test data missing at %s (the repository's testdata/): %v", testdata, err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", testdata)
			// Today's date, as the room would confirm it (--date).
			env.Setenv("TODAY", time.Now().UTC().Format("2006-01-02"))
			return nil
		},
		RequireExplicitExec: true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"rebundle": rebundle, "publish": publishRepo, "replace": replaceIn, "fitsschema": fitsSchema},
	})
}
