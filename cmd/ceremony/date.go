package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// The ceremony's date is confirmed, not assumed: an air-gapped machine's
// clock is often wrong, and every expiry a workspace is made with counts
// from it. The commands that make a workspace (init, rotate WS, claims
// init, project init) take --date, the date the people in the room agree
// it is, and refuse a machine clock more than a day from it; the
// confirmation is then recorded in the new workspace's transcript.

// maxClockSkew is how far the machine's clock may be from the date the
// room confirms: a day either way, for the time zones of the room and of
// the machine (which keeps UTC).
const maxClockSkew = 24 * time.Hour

// dateFlag adds --date to fs.
func dateFlag(fs *flag.FlagSet) *string {
	return fs.String("date", "", "today's date as the people in the room confirm it (YYYY-MM-DD), against which the machine's clock is checked: every expiry counts from that clock")
}

// confirmDate checks the machine's clock (now) against the date the room
// confirmed, and returns what the transcript is to record of it.
func confirmDate(date string, now time.Time) (string, error) {
	clock := now.UTC().Format("2006-01-02 15:04 UTC")
	if date == "" {
		return "", usageError{fmt.Sprintf("--date is required: the date the people in the room agree it is today (YYYY-MM-DD); the machine's clock says %s, and every expiry counts from it", clock)}
	}
	day, err := time.Parse("2006-01-02", date)
	if err != nil {
		return "", usageError{fmt.Sprintf("--date %q is not a date: write YYYY-MM-DD", date)}
	}
	// The room's day runs from its midnight to the next, in some zone
	// within a day of UTC: the clock must fall within a day of that span.
	if now.Before(day.Add(-maxClockSkew)) || !now.Before(day.Add(24*time.Hour+maxClockSkew)) {
		return "", fmt.Errorf("the machine's clock says %s, but the room says the date is %s: set the clock first (as root: date -s '%s HH:MM', the time from a witness's watch, in UTC), since every expiry counts from it, then run this again", clock, date, date)
	}
	return fmt.Sprintf("the room confirmed the date %s (--date); the machine's clock said %s when the expiries were counted", date, now.UTC().Format(time.RFC3339)), nil
}

// recordDate appends the confirmation to the new workspace's transcript.
func recordDate(ws, confirmed string) error {
	if _, err := ceremony.Note(ws, "the room", confirmed); err != nil {
		return fmt.Errorf("created %s, but failed to record the confirmed date in its transcript: %w", ws, err)
	}
	return nil
}
