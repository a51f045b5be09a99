package tui

import "charm.land/lipgloss/v2"

// Styles is the app's one set of styles.
type Styles struct {
	Title   lipgloss.Style
	Role    lipgloss.Style
	Met     lipgloss.Style
	Pending lipgloss.Style
	Invalid lipgloss.Style
	Dim     lipgloss.Style
	Error   lipgloss.Style
	Info    lipgloss.Style
	Help    lipgloss.Style
	Prompt  lipgloss.Style
}

// DefaultStyles returns coloured styles, or plain ones when noColor is set.
func DefaultStyles(noColor bool) Styles {
	if noColor {
		p := lipgloss.NewStyle()
		return Styles{Title: p, Role: p, Met: p, Pending: p, Invalid: p, Dim: p, Error: p, Info: p, Help: p, Prompt: p}
	}
	return Styles{
		Title:   lipgloss.NewStyle().Bold(true),
		Role:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("12")),
		Met:     lipgloss.NewStyle().Foreground(lipgloss.Color("10")),
		Pending: lipgloss.NewStyle().Foreground(lipgloss.Color("11")),
		Invalid: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("9")),
		Dim:     lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Error:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("9")),
		Info:    lipgloss.NewStyle().Foreground(lipgloss.Color("10")),
		Help:    lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Prompt:  lipgloss.NewStyle().Bold(true),
	}
}

// StylesFromEnv honours NO_COLOR (https://no-color.org): any non-empty
// value gives plain styles.
func StylesFromEnv(getenv func(string) string) Styles {
	return DefaultStyles(getenv("NO_COLOR") != "")
}
