package plan

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tuf-ceremony/ceremony/internal/bounded"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a plan: where it is and what to do.
type Problem struct {
	// File is the plan's name as given to Load or Parse.
	File string
	// Line is 1-based; 0 when the problem has no line (such as an
	// unreadable byte the YAML parser refuses before counting lines).
	Line int
	// Field is the path of the field, such as roles.root.threshold or
	// keyholders[2].contact; empty for problems with the file as a whole.
	Field string
	// Message says what is wrong and, after a semicolon, what to do.
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is every problem found in a plan, in line order. Parse returns it
// when a plan is refused.
type Error struct {
	Problems []Problem
	// Hints are the commands that do what the problems say to do
	// (package hint), from errors a problem names.
	Hints []string
}

// HintCommands are the commands the problems' errors carried.
func (e *Error) HintCommands() []string { return e.Hints }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// PublicKeys reads the public key of a key URI: what the plan reads for
// a keyholder whose key it names by URI alone (*keys.Backends).
type PublicKeys interface {
	PublicKey(uri string) (*metadata.Key, error)
}

// Load reads the plan at path. Relative paths in the plan are taken
// against the plan's directory; keys named by URI alone are read with k.
func Load(path string, k PublicKeys) (*Plan, error) {
	data, err := bounded.ReadFile(path, MaxPlanSize)
	if err != nil {
		return nil, fmt.Errorf("failed to read plan: %w", err)
	}
	return Parse(data, path, filepath.Dir(path), k)
}

// MaxPlanSize bounds a plan file: a plan of a hundred keyholders is a few
// kilobytes.
const MaxPlanSize = 1 << 20

// Parse reads a plan from data. name is what problems are reported
// against; dir is the directory relative paths in the plan are taken
// against ("" means the current directory).
//
// Parse rejects anything it does not understand, fills in defaults,
// checks every rule and resolves every key. On failure the error is an
// *Error listing every problem found, one per line.
func Parse(data []byte, name, dir string, k PublicKeys) (*Plan, error) {
	if dir == "" {
		dir = "."
	}
	return readPlan(&reader{file: name, dir: dir, keys: k, lines: map[string]int{}, bad: map[string]bool{}}, data)
}

// ParseSettings reads and checks a plan as Parse does, defaults filled in,
// but opens nothing it names: no key file, device or attestation is read,
// so no keyholder's or online key's TUFKey is set. It is how an auditor
// makes again what a plan alone decides (expiry periods, the bin count)
// from a bundle's plan.yaml, whose key files stayed behind.
func ParseSettings(data []byte, name string) (*Plan, error) {
	return readPlan(&reader{file: name, dir: ".", lines: map[string]int{}, bad: map[string]bool{}, noFiles: true}, data)
}

func readPlan(r *reader, data []byte) (*Plan, error) {
	name, dir := r.file, r.dir
	p := &Plan{Path: name, Dir: dir}
	if root := r.document(data); root != nil && r.plan(root, p) {
		r.check(p)
	}
	if p.Rehearsal.AttestationRoots != "" && r.usable("rehearsal.attestation_roots") && !r.noFiles {
		p.Rehearsal.AttestationRoots = resolvePath(r.dir, p.Rehearsal.AttestationRoots)
		r.checkRegularFile("rehearsal.attestation_roots", p.Rehearsal.AttestationRoots)
		r.warn("rehearsal.attestation_roots", "REHEARSAL ONLY: attestations are checked against %s instead of Yubico's roots (PIV and YubiHSM); never use this plan for a real repository", p.Rehearsal.AttestationRoots)
	}
	if len(r.problems) == 0 {
		r.warnP384(p)
	}
	if len(r.problems) > 0 {
		byLine(r.problems)
		return nil, &Error{Problems: r.problems, Hints: r.hints}
	}
	byLine(r.warnings)
	for _, w := range r.warnings {
		p.Warnings = append(p.Warnings, w.String())
	}
	return p, nil
}

func byLine(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}

// reader walks the YAML node tree into a Plan, noting the line of every
// field it sees, then checks the result (validate.go).
type reader struct {
	file string
	dir  string
	// keys reads the public keys of keys named by URI alone.
	keys PublicKeys
	// hints are the commands the errors folded into problems carry.
	hints []string
	// lines holds the line of each field path that appears in the plan.
	lines map[string]int
	// bad marks field paths whose value could not be read, so the checks
	// do not pile further problems onto them.
	bad      map[string]bool
	problems []Problem
	warnings []Problem
	// noFiles: read the plan alone, no key, attestation or other file it
	// names (ParseSettings).
	noFiles bool
}

// problem records a problem at field (line looked up from the plan).
func (r *reader) problem(field, format string, args ...any) {
	r.problemAt(r.line(field), field, format, args...)
}

func (r *reader) problemAt(line int, field, format string, args ...any) {
	r.problems = append(r.problems, Problem{File: r.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (r *reader) warn(field, format string, args ...any) {
	r.warnings = append(r.warnings, Problem{File: r.file, Line: r.line(field), Field: field, Message: fmt.Sprintf(format, args...)})
}

// line is the line of field, or of its nearest parent that appears.
func (r *reader) line(field string) int {
	for {
		if l, ok := r.lines[field]; ok {
			return l
		}
		if field == "" {
			return 0
		}
		field = parent(field)
	}
}

// given reports whether field appears in the plan.
func (r *reader) given(field string) bool {
	_, ok := r.lines[field]
	return ok
}

// usable reports whether field appears and its value was read.
func (r *reader) usable(field string) bool {
	return r.given(field) && !r.bad[field]
}

func parent(field string) string {
	i := strings.LastIndexAny(field, ".[")
	if i < 0 {
		return ""
	}
	return field[:i]
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data as exactly one YAML document and returns its
// top-level node, or nil after recording why not.
func (r *reader) document(data []byte) (root *yaml.Node) {
	defer func() {
		// yaml.v3 has panicked on hostile input before; a plan must be
		// refused, never crash the tool.
		if v := recover(); v != nil {
			root = nil
			r.problemAt(0, "", "the YAML parser failed (%v); check the file's syntax", v)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			r.problemAt(0, "", "the plan is empty; write the plan's fields (profile, keyholders, roles, online)")
		} else {
			r.syntaxProblem(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		r.problemAt(next.Line, "", "a second YAML document starts here; a plan is one document: remove the \"---\" and what follows")
	case !errors.Is(err, io.EOF):
		r.syntaxProblem(err)
	}
	if len(doc.Content) == 0 {
		r.problemAt(doc.Line, "", "the plan is empty; write the plan's fields (profile, keyholders, roles, online)")
		return nil
	}
	root = doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		r.problemAt(doc.Line, "", "the plan is empty; write the plan's fields (profile, keyholders, roles, online)")
		return nil
	}
	if len(r.problems) > 0 {
		return nil
	}
	return root
}

// yamlParserProblems are the problems yaml.v3's parser (not its scanner)
// reports. It prints their line counting from 0 and leaves the line out
// when it is 0; scanner problems are counted from 1.
var yamlParserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

func (r *reader) syntaxProblem(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if slices.Contains(yamlParserProblems, msg) {
		line++
	}
	r.problemAt(line, "", "invalid YAML: %s; fix the syntax", msg)
}

// The plan's shape. Each function reads one kind of node; a field that
// cannot be read is reported, marked bad and left at its zero value.

var (
	planFields        = []string{"profile", "repository", "consistent_snapshot", "keyholders", "roles", "online", "witnesses", "rehearsal"}
	keyholderFields   = []string{"name", "contact", "key", "public_key", "attestation", "require_attestation"}
	rolesFields       = []string{"root", "targets", "claimed", "snapshot", "timestamp", "bins", "recently_claimed", "unclaimed"}
	offlineFields     = []string{"keyholders", "threshold", "expires_days"}
	onlineRoleFields  = []string{"expires_days"}
	binsFields        = []string{"expires_days", "count"}
	onlineKeyFields   = []string{"name", "public_key", "key", "uri", "roles"}
	witnessFields     = []string{"name", "contact", "key", "public_key"}
	attestationFields = []string{"key_attestation", "device_certificate", "intermediates", "serial"}
	rehearsalFields   = []string{"allow_root_threshold_one", "attestation_roots"}
)

// plan reads the top-level mapping into p. It returns false if there is
// no mapping to read.
func (r *reader) plan(n *yaml.Node, p *Plan) bool {
	r.lines[""] = n.Line
	f := r.mapping(n, "", "the plan", planFields)
	if f == nil {
		return false
	}
	if v := f["profile"]; v != nil {
		s, _ := r.str(v, "profile")
		p.Profile = Profile(s)
	}
	if v := f["repository"]; v != nil {
		p.Repository, _ = r.str(v, "repository")
	}
	if v := f["consistent_snapshot"]; v != nil {
		if b, ok := r.bool(v, "consistent_snapshot"); ok {
			p.ConsistentSnapshot = &b
		}
	}
	if v := f["keyholders"]; v != nil {
		items := r.list(v, "keyholders")
		p.Keyholders = make([]Keyholder, len(items))
		for i, item := range items {
			r.keyholder(item, index("keyholders", i), &p.Keyholders[i])
		}
	}
	if v := f["roles"]; v != nil {
		r.roles(v, "roles", &p.Roles)
	}
	if v := f["online"]; v != nil {
		items := r.list(v, "online")
		p.Online = make([]OnlineKey, len(items))
		for i, item := range items {
			r.onlineKey(item, index("online", i), &p.Online[i])
		}
	}
	if v := f["witnesses"]; v != nil {
		items := r.list(v, "witnesses")
		p.Witnesses = make([]Witness, len(items))
		for i, item := range items {
			r.witness(item, index("witnesses", i), &p.Witnesses[i])
		}
	}
	if v := f["rehearsal"]; v != nil {
		if rf := r.mapping(v, "rehearsal", "rehearsal", rehearsalFields); rf != nil {
			if v := rf["allow_root_threshold_one"]; v != nil {
				p.Rehearsal.AllowRootThresholdOne, _ = r.bool(v, "rehearsal.allow_root_threshold_one")
			}
			if v := rf["attestation_roots"]; v != nil {
				p.Rehearsal.AttestationRoots, _ = r.str(v, "rehearsal.attestation_roots")
			}
		}
	}
	return true
}

func (r *reader) keyholder(n *yaml.Node, path string, k *Keyholder) {
	f := r.mapping(n, path, "a keyholder", keyholderFields)
	if f == nil {
		return
	}
	if v := f["name"]; v != nil {
		k.Name, _ = r.str(v, join(path, "name"))
	}
	if v := f["contact"]; v != nil {
		k.Contact, _ = r.str(v, join(path, "contact"))
	}
	if v := f["key"]; v != nil {
		k.Key, _ = r.str(v, join(path, "key"))
	}
	if v := f["public_key"]; v != nil {
		k.PublicKey, _ = r.str(v, join(path, "public_key"))
	}
	if v := f["attestation"]; v != nil {
		if v.Kind == yaml.MappingNode {
			r.attestationFiles(v, join(path, "attestation"), k)
		} else {
			k.Attestation, _ = r.str(v, join(path, "attestation"))
		}
	}
	if v := f["require_attestation"]; v != nil {
		k.RequireAttestation, _ = r.bool(v, join(path, "require_attestation"))
	}
}

// attestationFiles reads an attestation given as its files: a YubiHSM 2's
// key attestation and device certificate, its serial, and any Sub-CA.
func (r *reader) attestationFiles(n *yaml.Node, path string, k *Keyholder) {
	f := r.mapping(n, path, "an attestation", attestationFields)
	if f == nil {
		return
	}
	if v := f["key_attestation"]; v != nil {
		k.Attestation, _ = r.str(v, join(path, "key_attestation"))
	}
	if v := f["device_certificate"]; v != nil {
		k.AttestationDevice, _ = r.str(v, join(path, "device_certificate"))
	}
	if v := f["intermediates"]; v != nil {
		k.AttestationIntermediates, _ = r.str(v, join(path, "intermediates"))
	}
	if v := f["serial"]; v != nil {
		k.AttestationSerial = r.serial(v, join(path, "serial"))
	}
}

// serial reads a device serial: a whole number in decimal, which Yubico's
// tools print zero-padded (0013200460), where YAML would read octal.
func (r *reader) serial(n *yaml.Node, path string) uint32 {
	if n.Kind == yaml.ScalarNode && digits.MatchString(n.Value) {
		v, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 10, 32)
		if err == nil && v > 0 {
			return uint32(v)
		}
	}
	r.problemAt(n.Line, path, "%q is not a device serial; give the serial printed on the device, a whole number such as 13200460", n.Value)
	r.bad[path] = true
	return 0
}

func (r *reader) witness(n *yaml.Node, path string, w *Witness) {
	f := r.mapping(n, path, "a witness", witnessFields)
	if f == nil {
		return
	}
	if v := f["name"]; v != nil {
		w.Name, _ = r.str(v, join(path, "name"))
	}
	if v := f["contact"]; v != nil {
		w.Contact, _ = r.str(v, join(path, "contact"))
	}
	if v := f["key"]; v != nil {
		w.Key, _ = r.str(v, join(path, "key"))
	}
	if v := f["public_key"]; v != nil {
		w.PublicKey, _ = r.str(v, join(path, "public_key"))
	}
}

func (r *reader) roles(n *yaml.Node, path string, roles *Roles) {
	f := r.mapping(n, path, "the roles", rolesFields)
	if f == nil {
		return
	}
	if v := f["root"]; v != nil {
		r.offlineRole(v, join(path, "root"), &roles.Root)
	}
	if v := f["targets"]; v != nil {
		r.offlineRole(v, join(path, "targets"), &roles.Targets)
	}
	if v := f["claimed"]; v != nil {
		roles.Claimed = &OfflineRole{}
		r.offlineRole(v, join(path, "claimed"), roles.Claimed)
	}
	if v := f["snapshot"]; v != nil {
		r.onlineRole(v, join(path, "snapshot"), &roles.Snapshot)
	}
	if v := f["timestamp"]; v != nil {
		r.onlineRole(v, join(path, "timestamp"), &roles.Timestamp)
	}
	if v := f["bins"]; v != nil {
		p := join(path, "bins")
		if bf := r.mapping(v, p, "a role", binsFields); bf != nil {
			if v := bf["expires_days"]; v != nil {
				roles.Bins.ExpiresDays, _ = r.int(v, join(p, "expires_days"))
			}
			if v := bf["count"]; v != nil {
				roles.Bins.Count, _ = r.int(v, join(p, "count"))
			}
		}
	}
	if v := f["recently_claimed"]; v != nil {
		roles.RecentlyClaimed = &OnlineRole{}
		r.onlineRole(v, join(path, "recently_claimed"), roles.RecentlyClaimed)
	}
	if v := f["unclaimed"]; v != nil {
		roles.Unclaimed = &OnlineRole{}
		r.onlineRole(v, join(path, "unclaimed"), roles.Unclaimed)
	}
}

func (r *reader) offlineRole(n *yaml.Node, path string, role *OfflineRole) {
	f := r.mapping(n, path, "a role", offlineFields)
	if f == nil {
		return
	}
	if v := f["keyholders"]; v != nil {
		role.Keyholders = r.strList(v, join(path, "keyholders"))
	}
	if v := f["threshold"]; v != nil {
		role.Threshold, _ = r.int(v, join(path, "threshold"))
	}
	if v := f["expires_days"]; v != nil {
		role.ExpiresDays, _ = r.int(v, join(path, "expires_days"))
	}
}

func (r *reader) onlineRole(n *yaml.Node, path string, role *OnlineRole) {
	f := r.mapping(n, path, "a role", onlineRoleFields)
	if f == nil {
		return
	}
	if v := f["expires_days"]; v != nil {
		role.ExpiresDays, _ = r.int(v, join(path, "expires_days"))
	}
}

func (r *reader) onlineKey(n *yaml.Node, path string, k *OnlineKey) {
	f := r.mapping(n, path, "an online key", onlineKeyFields)
	if f == nil {
		return
	}
	if v := f["name"]; v != nil {
		k.Name, _ = r.str(v, join(path, "name"))
	}
	if v := f["public_key"]; v != nil {
		k.PublicKey, _ = r.str(v, join(path, "public_key"))
	}
	if v := f["key"]; v != nil {
		k.Key, _ = r.str(v, join(path, "key"))
	}
	if v := f["uri"]; v != nil {
		k.URI, _ = r.str(v, join(path, "uri"))
	}
	if v := f["roles"]; v != nil {
		k.Roles = r.strList(v, join(path, "roles"))
	}
}

// Node readers.
