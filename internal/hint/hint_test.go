package hint

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestCommands(t *testing.T) {
	base := errors.New("no key in slot 9c: generate one on the device")
	err := fmt.Errorf("signing as alice: %w", With(base, "keygen --uri yubikey:serial=1;slot-id=9c"))
	if err.Error() != "signing as alice: no key in slot 9c: generate one on the device" {
		t.Errorf("message = %q: a hint adds nothing to the message", err)
	}
	if !errors.Is(err, base) {
		t.Error("the error hinted is not wrapped")
	}
	outer := With(fmt.Errorf("init failed: %w", err), "status ws")
	if got := Commands(outer); !reflect.DeepEqual(got, []string{"status ws", "keygen --uri yubikey:serial=1;slot-id=9c"}) {
		t.Errorf("Commands = %q", got)
	}
	if With(nil, "x") != nil || Commands(base) != nil {
		t.Error("no error, or an error without hints, has hints")
	}
}

type gathered struct{ cmds []string }

func (g gathered) Error() string          { return "two problems" }
func (g gathered) HintCommands() []string { return g.cmds }

// An error that holds other errors as text (a plan's problems) gives
// their commands too.
func TestCommandsGathered(t *testing.T) {
	err := fmt.Errorf("plan: %w", gathered{[]string{"devices", "devices"}})
	if got := Commands(err); !reflect.DeepEqual(got, []string{"devices"}) {
		t.Errorf("Commands = %q", got)
	}
}
