// Package tui is the ceremony's terminal app, built on bubbletea v2.
//
// A parent [Model] holds what every screen shares (the workspace, the window
// size, one [KeyMap] and one [Styles]) and routes each message to the
// current screen: the status dashboard or the note prompt. Update never
// does I/O: reading the workspace and appending to its transcript happen in
// tea.Cmds ([LoadStatus], [RecordNote]) whose results come back as small
// message types. A command's error is shown in the status line; it never
// ends the program.
package tui
