// Package tui is the ceremony's terminal app, built on bubbletea v2.
//
// A parent [Model] holds what every screen shares (the workspace, the window
// size, one [KeyMap] and one [Styles]) and routes each message to the
// current screen: the chooser and its forms, the walk-through of a
// workspace (plan, roll call, device, review, PIN, touch, signed, finish),
// the rotation plan, the status dashboard or the note prompt. Update never
// does I/O: reading the workspace and appending to its transcript happen in
// tea.Cmds ([LoadStatus], [RecordNote], [Sign] ...) whose results come back
// as small message types. A command's error is shown in the status line
// (a form's under its fields); it never ends the program.
//
// Before the first workspace is made the room confirms today's date
// against the machine's clock (dateGate, ceremony.ConfirmDate); it is
// recorded in each workspace made. Once every threshold is met the walk
// moves to the seal (sealWalk): who seals is marked, each sealer signs the
// statement at their own device (ceremony.BeginSeal, SignSeal,
// FinishSeal), then the bundle is written and who copied its words onto
// the script is recorded. A sealed workspace opens at that end and
// appends nothing.
//
// A key rotation is asked for in a form, worked out by [PlanRotation]
// (rotate.Run without a workspace: nothing is written) and read on a
// scrolling screen; only y creates its workspace ([CreateRotation]), which
// the walk-through then signs like any other, never calling a key the
// rotation names stolen or lost.
//
// A PEP 480 claims ceremony is asked for in a form too, reviewed by
// [ReviewClaims] (claimed.Init in review-only mode, in a private directory removed
// before it returns) and read as a table on a scrolling screen: what each
// claim request would change, why each refused one is refused (the reason
// to send its maintainers), the flags. Only when a request is accepted does
// y create the workspace ([CreateClaims]); its walk-through calls claimed's
// keyholders only and names the projects it adds on the plan, review and
// finish screens.
package tui
