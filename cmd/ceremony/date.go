package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// The ceremony's date is confirmed, not assumed: an air-gapped machine's
// clock is often wrong, and every expiry a workspace is made with counts
// from it. The administrators' commands that make a workspace (init,
// rotate PATH WS, claims init) take --date, the date the people in the
// room agree it is, and refuse a machine clock on which it is that date in
// no time zone; the confirmation is then recorded in the new workspace's
// transcript. (A maintainer's project init does not take it yet.)

// The room's date D runs, in UTC, from D 00:00 at UTC+14 (D-1 10:00 UTC)
// to the end of D at UTC-12 (D+1 12:00 UTC): a clock outside that span is
// wrong wherever the room is.
const (
	earliestZone = 14 * time.Hour
	latestZone   = 12 * time.Hour
)

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
	if now.Before(day.Add(-earliestZone)) || !now.Before(day.Add(24*time.Hour+latestZone)) {
		return "", fmt.Errorf("the machine's clock says %s, but the room says the date is %s, which it is nowhere at that time: set the clock first (as root: date -u -s 'YYYY-MM-DD HH:MM', the date and time in UTC from a witness's watch), since every expiry counts from it, then run this again", clock, date)
	}
	return fmt.Sprintf("the room confirmed the date %s (--date); the machine's clock said %s when the expiries were counted", date, now.UTC().Format(time.RFC3339)), nil
}

// recordDate appends the confirmation to the new workspace's transcript.
func recordDate(ws, confirmed string) error {
	if _, _, err := ceremony.Note(ws, "the room", confirmed); err != nil {
		return fmt.Errorf("created %s, but failed to record the confirmed date in its transcript (%w): record it with a note, who 'the room', saying: %s", ws, err, confirmed)
	}
	return nil
}
