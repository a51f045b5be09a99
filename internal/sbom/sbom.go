// Package sbom writes the software bill of materials of a ceremony binary:
// a CycloneDX 1.5 JSON document listing every Go module built into it (the
// build list the go command records in the binary, which 'go version -m'
// prints), the Go standard library of the toolchain that built it, and the
// binary itself with its SHA-256. The release (scripts/release) writes one
// beside each binary, so that an auditor can see what the tool that signs
// a repository's root contains without running it, and check it against
// vulnerability databases on another machine.
//
// The document is made from the binary's bytes alone, and the same bytes
// give the same document: no time, no random serial number (it is derived
// from the binary's SHA-256), fields in a fixed order.
package sbom

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Document is the part of CycloneDX 1.5 this package writes.
type Document struct {
	BOMFormat    string       `json:"bomFormat"`
	SpecVersion  string       `json:"specVersion"`
	SerialNumber string       `json:"serialNumber"`
	Version      int          `json:"version"`
	Metadata     Metadata     `json:"metadata"`
	Components   []Component  `json:"components"`
	Dependencies []Dependency `json:"dependencies"`
}

// Metadata names what the document describes.
type Metadata struct {
	Component Component `json:"component"`
}

// Component is the binary, a module or the standard library.
type Component struct {
	Type       string     `json:"type"`
	BOMRef     string     `json:"bom-ref"`
	Name       string     `json:"name"`
	Version    string     `json:"version"`
	Hashes     []Hash     `json:"hashes,omitempty"`
	PURL       string     `json:"purl"`
	Properties []Property `json:"properties,omitempty"`
}

// Hash is a digest of a component's bytes.
type Hash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

// Property is a name and a value CycloneDX has no field for.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Dependency says which components one depends on.
type Dependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// FromFile reads the Go binary at path and returns its bill of materials,
// encoded, with a final newline. version is the release's version (a
// -trimpath build does not record the -ldflags that stamp it); "" takes
// the module's version the binary records.
func FromFile(path, version string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read binary %q: %w", path, err)
	}
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("binary %q: no Go build information: %w", path, err)
	}
	doc := FromBuildInfo(filepath.Base(path), version, sha256.Sum256(data), info)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// FromBuildInfo is the bill of materials of a binary called name, of the
// given version ("": the module's), whose SHA-256 is sum, built as info
// says.
func FromBuildInfo(name, version string, sum [sha256.Size]byte, info *buildinfo.BuildInfo) Document {
	if version == "" {
		version = info.Main.Version
	}
	main := Component{Type: "application", Name: name, Version: version,
		Hashes: []Hash{{Alg: "SHA-256", Content: hex.EncodeToString(sum[:])}},
		PURL:   purl(info.Main.Path, version)}
	main.BOMRef = main.PURL
	main.Properties = append(main.Properties, Property{Name: "go:path", Value: info.Path}, Property{Name: "go:toolchain", Value: info.GoVersion})
	for _, s := range info.Settings {
		main.Properties = append(main.Properties, Property{Name: "go:build:" + s.Key, Value: s.Value})
	}
	doc := Document{BOMFormat: "CycloneDX", SpecVersion: "1.5", SerialNumber: serial(sum), Version: 1,
		Metadata: Metadata{Component: main}}
	std := Component{Type: "library", Name: "stdlib", Version: info.GoVersion, PURL: purl("stdlib", info.GoVersion)}
	std.BOMRef = std.PURL
	doc.Components = append(doc.Components, std)
	depends := []string{std.BOMRef}
	for _, m := range info.Deps {
		c := Component{Type: "library", Name: m.Path, Version: m.Version, PURL: purl(m.Path, m.Version)}
		c.BOMRef = c.PURL
		if m.Sum != "" {
			// go.sum's h1: hash, a SHA-256 over the module's file list,
			// not over an archive: a property, not a CycloneDX hash.
			c.Properties = append(c.Properties, Property{Name: "go:module:sum", Value: m.Sum})
		}
		if r := m.Replace; r != nil {
			c.Properties = append(c.Properties, Property{Name: "go:module:replaced-by", Value: r.Path + "@" + r.Version})
			if r.Sum != "" {
				c.Properties = append(c.Properties, Property{Name: "go:module:replacement-sum", Value: r.Sum})
			}
		}
		doc.Components = append(doc.Components, c)
		depends = append(depends, c.BOMRef)
	}
	doc.Dependencies = []Dependency{{Ref: main.BOMRef, DependsOn: depends}}
	return doc
}

// purl is the package URL of a Go module (pkg:golang, as the purl
// specification spells it: the path's elements escaped, "@" before the
// version).
func purl(path, version string) string {
	elems := strings.Split(path, "/")
	for i, e := range elems {
		elems[i] = purlEscape(e)
	}
	return "pkg:golang/" + strings.Join(elems, "/") + "@" + purlEscape(version)
}

// purlEscape percent-encodes what a purl element may not hold as is.
func purlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// serial is the document's serial number: a UUID made from the binary's
// SHA-256 (version 8, "custom", RFC 9562), so that the same binary always
// gets the same document.
func serial(sum [sha256.Size]byte) string {
	var u [16]byte
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
