// Command sbom writes the CycloneDX bill of materials of each Go binary it
// is given to BINARY.cdx.json beside it (see package sbom), naming the
// release's version. scripts/release runs it on every binary of a release.
//
//	go run ./internal/sbom/cmd/sbom -version v1.0.0 dist/ceremony-v1.0.0-linux-amd64 ...
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/sbom"
)

func main() {
	version := flag.String("version", "", "the release's version (default: the module's the binary records)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: sbom [-version V] BINARY...")
		os.Exit(2)
	}
	for _, bin := range flag.Args() {
		doc, err := sbom.FromFile(bin, *version)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sbom: %v\n", err)
			os.Exit(1)
		}
		if err := atomicfile.Replace(bin+".cdx.json", doc, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "sbom: %v\n", err)
			os.Exit(1)
		}
	}
}
