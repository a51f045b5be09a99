// Package widget holds the small parts of the app that several screens
// share: key bindings and their help, a scrolling window over text longer
// than the screen, a line of typed text, a masked secret and a form field.
//
// Each widget is a value with no I/O and no styles: a screen keeps it in
// its own state, passes it the key presses it does not handle itself, and
// renders what it holds. Typed text is never changed in place, so a model
// an earlier Update returned keeps what it showed.
package widget
