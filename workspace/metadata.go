package workspace

// Reading the metadata a workspace signs and the trusted metadata it keeps.

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// Metadata reads role's metadata.
func (w *Workspace) Metadata(role string) (*metafile.File, error) {
	if !w.HasRole(role) {
		return nil, fmt.Errorf("workspace %q has no role %q (it has %v)", w.Dir, role, w.State.Roles)
	}
	return readMetadata(w.metadataPath(role))
}

// MetadataBytes reads role's metadata file as it is on disk (while
// Create's hooks run too: Create writes the metadata without holding it
// whole, so it is read back).
func (w *Workspace) MetadataBytes(role string) ([]byte, error) {
	if !w.HasRole(role) {
		return nil, fmt.Errorf("workspace %q has no role %q", w.Dir, role)
	}
	return w.readFile(w.metadataPath(role))
}

// TrustedBytes reads role's trusted metadata file as it is on disk (while
// Create's hooks run, the bytes a hook wrote there, not read back).
func (w *Workspace) TrustedBytes(role string) ([]byte, error) {
	if !w.HasTrusted(role) {
		return nil, fmt.Errorf("workspace %q keeps no trusted %s metadata", w.Dir, role)
	}
	return w.readFile(filepath.Join(w.Dir, filepath.FromSlash(TrustedPath(role))))
}

// ParseTrusted parses role's trusted metadata from data, its file's bytes
// handed over (TrustedBytes: the File holds slices of them), with the
// error TrustedMetadata gives.
func (w *Workspace) ParseTrusted(role string, data []byte) (*metafile.File, error) {
	return parseMetadata(filepath.Join(w.Dir, filepath.FromSlash(TrustedPath(role))), data)
}

// TrustedMetadata reads role's trusted metadata.
func (w *Workspace) TrustedMetadata(role string) (*metafile.File, error) {
	f, _, err := w.TrustedMetadataRead(role)
	return f, err
}

// TrustedMetadataRead reads role's trusted metadata, and returns it with
// the bytes it was parsed from (the File holds slices of them): what is
// checked and what is carried on are one reading of the file.
func (w *Workspace) TrustedMetadataRead(role string) (*metafile.File, []byte, error) {
	if !w.HasTrusted(role) {
		return nil, nil, fmt.Errorf("workspace %q keeps no trusted %s metadata", w.Dir, role)
	}
	return readMetadataBytes(filepath.Join(w.Dir, filepath.FromSlash(TrustedPath(role))))
}

// ReadMetadataBytes reads role's metadata file as it is on disk, with the
// error Metadata gives when it cannot.
func (w *Workspace) ReadMetadataBytes(role string) ([]byte, error) {
	if !w.HasRole(role) {
		return nil, fmt.Errorf("workspace %q has no role %q (it has %v)", w.Dir, role, w.State.Roles)
	}
	data, err := os.ReadFile(w.metadataPath(role))
	if err != nil {
		return nil, fmt.Errorf("failed to read %q: %w", w.metadataPath(role), err)
	}
	return data, nil
}

// ParseMetadata parses role's metadata from data, its file's bytes handed
// over (ReadMetadataBytes: the File holds slices of them), with the error
// Metadata gives.
func (w *Workspace) ParseMetadata(role string, data []byte) (*metafile.File, error) {
	return parseMetadata(w.metadataPath(role), data)
}

func readMetadata(path string) (*metafile.File, error) {
	f, _, err := readMetadataBytes(path)
	return f, err
}

// readMetadataBytes reads and parses the metadata file at path; the File
// holds slices of the bytes returned, read once.
func readMetadataBytes(path string) (*metafile.File, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read %q: %w", path, err)
	}
	f, err := parseMetadata(path, data)
	if err != nil {
		return nil, nil, err
	}
	return f, data, nil
}

func parseMetadata(path string, data []byte) (*metafile.File, error) {
	f, err := metafile.ParseOwned(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
