package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// The administrators' commands that make a workspace (init, rotate PATH
// WS, claims init) take --date, the date the people in the room agree it
// is (ceremony.ConfirmDate). (A maintainer's project init does not take it
// yet.)

// dateFlag adds --date to fs.
func dateFlag(fs *flag.FlagSet) *string {
	return fs.String("date", "", "today's date as the people in the room confirm it (YYYY-MM-DD), against which the machine's clock is checked: every expiry counts from that clock")
}

// confirmDate checks the machine's clock (now) against --date, and returns
// what the transcript is to record of it.
func confirmDate(date string, now time.Time) (string, error) {
	confirmed, err := ceremony.ConfirmDate(date, "--date", now)
	switch {
	case errors.Is(err, ceremony.ErrNoDate):
		return "", usageError{fmt.Sprintf("--date is required: the date the people in the room agree it is today (YYYY-MM-DD); the machine's clock says %s, and every expiry counts from it", now.UTC().Format("2006-01-02 15:04 UTC"))}
	case errors.Is(err, ceremony.ErrNotADate):
		return "", usageError{fmt.Sprintf("--date %q is not a date: write YYYY-MM-DD", date)}
	case err != nil:
		return "", fmt.Errorf("%w, then run this again", err)
	}
	return confirmed, nil
}
