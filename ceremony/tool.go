package ceremony

import (
	"github.com/tuf-ceremony/ceremony/internal/buildinfo"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// ThisTool is the running ceremony binary as an init record keeps it:
// version, commit, Go version, build, and its file's SHA-256 (left out when
// the file cannot be read; the rest still says which tool it was).
func ThisTool() *transcripts.Tool {
	i := buildinfo.Read()
	_, sum, _ := buildinfo.Executable()
	return &transcripts.Tool{Version: i.Version, Commit: i.CommitText(), Go: i.Go, Build: i.Build, SHA256: sum}
}
