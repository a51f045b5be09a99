package ceremony

import (
	"errors"
	"fmt"
	"time"
)

// The ceremony's date is confirmed, not assumed: an air-gapped machine's
// clock is often wrong, and every expiry a workspace is made with counts
// from it. Before a workspace is made (init, a rotation, a claims
// ceremony) the people in the room agree on today's date, from a witness's
// watch; a machine clock on which it is that date in no time zone is
// refused, and the confirmation is kept in the new workspace's state
// (workspace.State.DateConfirmed), which its init record covers.

// The room's date D runs, in UTC, from D 00:00 at UTC+14 (D-1 10:00 UTC)
// to the end of D at UTC-12 (D+1 12:00 UTC): a clock outside that span is
// wrong wherever the room is.
const (
	earliestZone = 14 * time.Hour
	latestZone   = 12 * time.Hour
)

// DateLayout is how the room's date is written.
const DateLayout = "2006-01-02"

// ErrNoDate means no date was given; ErrNotADate that it is not one.
var (
	ErrNoDate   = errors.New("no date given")
	ErrNotADate = errors.New("not a date: write YYYY-MM-DD")
)

// ConfirmDate checks the machine's clock (now) against the date the room
// confirmed, and returns what the transcript is to record of it; how says
// how the date was given ("--date", "typed in the app").
func ConfirmDate(date, how string, now time.Time) (string, error) {
	clock := now.UTC().Format("2006-01-02 15:04 UTC")
	if date == "" {
		return "", fmt.Errorf("%w: the machine's clock says %s, and every expiry counts from it", ErrNoDate, clock)
	}
	day, err := time.Parse(DateLayout, date)
	if err != nil {
		return "", fmt.Errorf("%q is %w", date, ErrNotADate)
	}
	if now.Before(day.Add(-earliestZone)) || !now.Before(day.Add(24*time.Hour+latestZone)) {
		return "", fmt.Errorf("the machine's clock says %s, but the room says the date is %s, which it is nowhere at that time: set the clock first (as root: date -u -s 'YYYY-MM-DD HH:MM', the date and time in UTC from a witness's watch), since every expiry counts from it", clock, date)
	}
	return fmt.Sprintf("the room confirmed the date %s (%s); the machine's clock said %s then", date, how, now.UTC().Format(time.RFC3339)), nil
}
