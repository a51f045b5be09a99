package ceremony

import (
	_ "embed"
	"fmt"
	"path"
	"strings"
	"text/template"
)

// The README.txt of a bundle tells the operator of the online server what
// to do with it, in order. Each kind of ceremony writes its own as a
// template (beside its code) that may use the blocks every README shares
// (readme/common.tmpl): "partial", the warning of a partial bundle, given
// the bundle-info; "sha256", how to check the bundle's hash.

//go:embed readme/common.tmpl
var readmeCommon string

// ReadmeTemplate parses a kind's README template text, with the shared
// blocks and these functions: step (the next step's number, from 1),
// base (path.Base) and join (strings.Join).
func ReadmeTemplate(name, text string) *template.Template {
	funcs := template.FuncMap{
		"step": func() int { return 0 },
		"base": path.Base,
		"join": strings.Join,
	}
	t := template.Must(template.New(name).Funcs(funcs).Parse(readmeCommon))
	return template.Must(t.Parse(text))
}

// RenderReadme renders a README template with data, numbering its steps
// from 1.
func RenderReadme(t *template.Template, data any) (string, error) {
	step := 0
	t, err := t.Clone()
	if err != nil {
		return "", err
	}
	t.Funcs(template.FuncMap{"step": func() int { step++; return step }})
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("failed to write the bundle's README: %w", err)
	}
	return b.String(), nil
}

// ReadmeRepository names a bundle's repository in its README.
func ReadmeRepository(info BundleInfoFile) string {
	if info.Repository == "" {
		return "(unnamed repository)"
	}
	return info.Repository
}
