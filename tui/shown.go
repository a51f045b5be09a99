package tui

import (
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
)

// shownStatus is st as the app shows it: what people read (the
// repository, warnings, names, contacts, devices, role names) escaped by
// safetext, so that a workspace's ceremony.json drives no terminal. Key
// URIs and key IDs, which open and match keys, are kept as they are.
func shownStatus(st *ceremony.Status) *ceremony.Status {
	if st == nil {
		return nil
	}
	out := *st
	out.Repository = safetext.Escape(st.Repository)
	out.Warnings = make([]string, len(st.Warnings))
	for i, w := range st.Warnings {
		out.Warnings[i] = safetext.Escape(w)
	}
	out.People = make([]ceremony.Person, len(st.People))
	for i, p := range st.People {
		p.Name, p.Contact, p.Device = safetext.Escape(p.Name), safetext.Escape(p.Contact), safetext.Escape(p.Device)
		out.People[i] = p
	}
	out.Roles = make([]ceremony.RoleStatus, len(st.Roles))
	for i, r := range st.Roles {
		r.Role = safetext.Escape(r.Role)
		out.Roles[i] = r
	}
	return &out
}
