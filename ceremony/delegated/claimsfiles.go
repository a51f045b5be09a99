package delegated

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/strictjson"
	"github.com/tuf-ceremony/ceremony/payload"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The files of a claims workspace that a project ceremony started from it
// reads too: the request (plan.yaml) and accepted-projects.json.

// ClaimsRequest is a claims workspace's plan.yaml: the ceremony as asked,
// with the time its review was made (replay reviews the requests again as
// of that time).
type ClaimsRequest struct {
	From               string `yaml:"from"`
	ClaimsDir          string `yaml:"claims_dir"`
	Plan               string `yaml:"plan,omitempty"`
	PlanSHA256         string `yaml:"plan_sha256,omitempty"`
	ClaimedExpiresDays int    `yaml:"claimed_expires_days"`
	Time               string `yaml:"time"`
	// Rekey are the rekeys the administrators asked for, with their
	// reasons: the only projects whose keys the ceremony may change.
	Rekey []claims.Rekey `yaml:"rekey,omitempty"`
}

// ClaimsRequestFile is plan.yaml as written: the request under "claims".
type ClaimsRequestFile struct {
	Claims ClaimsRequest `yaml:"claims"`
}

// AcceptedProjects is a claims workspace's accepted-projects.json: what the
// online server drops from recently-claimed once the new claimed is up.
type AcceptedProjects struct {
	Type       string `json:"type"`
	Version    int    `json:"version"`
	Repository string `json:"repository,omitempty"`
	// ClaimedVersion is the version of claimed that adds them.
	ClaimedVersion int64             `json:"claimed_version"`
	Projects       []AcceptedProject `json:"projects"`
	// Rekeyed are the claimed projects whose keys the ceremony changes:
	// not in recently-claimed, but their role must be signed again.
	Rekeyed []RekeyedProject `json:"rekeyed,omitempty"`
}

// RekeyedProject is one claimed project whose keys the ceremony changes.
type RekeyedProject struct {
	Project string `json:"project"`
	// Reason is the administrators' (claims init --rekey PROJECT=REASON).
	Reason string `json:"reason"`
	// ClaimFile is the request's entry (claims/NAME), ClaimSHA256 its hash.
	ClaimFile   string   `json:"claim_file"`
	ClaimSHA256 string   `json:"claim_sha256"`
	KeyIDs      []string `json:"keyids"`
	Threshold   int      `json:"threshold"`
	// PreviousKeyIDs and PreviousThreshold are the delegation's in the
	// trusted claimed: what the new keys replace.
	PreviousKeyIDs    []string `json:"previous_keyids"`
	PreviousThreshold int      `json:"previous_threshold"`
	// SeenVersion is the highest version of the project's role the source
	// showed: the maintainers' next ceremony signs a version above it. 0
	// if the source showed none (then they start from the repository).
	SeenVersion int64 `json:"seen_version,omitempty"`
}

// AcceptedProject is one project the ceremony adds to claimed.
type AcceptedProject struct {
	Project string `json:"project"`
	// ClaimFile is the request's entry (claims/NAME), ClaimSHA256 its hash.
	ClaimFile   string   `json:"claim_file"`
	ClaimSHA256 string   `json:"claim_sha256"`
	KeyIDs      []string `json:"keyids"`
	Threshold   int      `json:"threshold"`
	// SeenVersion is the highest version of the project's role the source
	// showed (a role recently-claimed delegated): the project's own
	// ceremony signs a version above it. 0 if none.
	SeenVersion int64 `json:"seen_version,omitempty"`
}

// File types of the claims ceremony's JSON files.
const (
	AcceptedType       = "ceremony-accepted-projects"
	ClaimsReviewType   = "ceremony-claims-review"
	ClaimsFilesVersion = 1
	// MaxClaimsFile bounds the review and accepted files read back.
	MaxClaimsFile = 64 << 20
)

// ReadClaimsRequest reads a claims workspace's request (plan.yaml).
func ReadClaimsRequest(ws *workspace.Workspace) (*ClaimsRequest, error) {
	data, err := ws.ReadFile(workspace.PlanFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read the request of claims workspace %s: %w", ws.Dir, err)
	}
	var f ClaimsRequestFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(ws.Dir, workspace.PlanFile), err)
	}
	if _, err := time.Parse(time.RFC3339, f.Claims.Time); err != nil {
		return nil, fmt.Errorf("%s: claims.time: %w", filepath.Join(ws.Dir, workspace.PlanFile), err)
	}
	return &f.Claims, nil
}

// ReadAcceptedFile reads a claims workspace's accepted-projects.json.
func ReadAcceptedFile(ws *workspace.Workspace) (*AcceptedProjects, error) {
	data, err := ws.ReadFile(workspace.AcceptedFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", filepath.Join(ws.Dir, workspace.AcceptedFile), err)
	}
	return ParseAcceptedFile(data, filepath.Join(ws.Dir, workspace.AcceptedFile))
}

// ParseAcceptedFile reads accepted-projects.json from data; name says
// where it was read, for messages.
func ParseAcceptedFile(data []byte, name string) (*AcceptedProjects, error) {
	var a AcceptedProjects
	if err := strictjson.Decode(name, data, MaxClaimsFile, &a); err != nil {
		return nil, err
	}
	if a.Type != AcceptedType || a.Version != ClaimsFilesVersion {
		return nil, fmt.Errorf("%w: %s: type %q version %d, want %q version %d", payload.ErrMalformed, name, a.Type, a.Version, AcceptedType, ClaimsFilesVersion)
	}
	return &a, nil
}
