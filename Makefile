# ceremony: build, test, demo and benchmark.
#
#   make test    scripts/setup (what a fresh machine lacks), go vet, then every test
#   make demo    the ceremony app in rehearsal mode on simulated devices (or OUT=dir)
#   make demo-auto  a whole ceremony with no questions in a temp dir (or OUT=dir), then verify
#   make bench   the benchmarks (scripts/bench)
#   make build   bin/ceremony
#   make release dist/: reproducible binaries (full and auditor's), SBOMs, SHA256SUMS (scripts/release)
#   make deps    tuf-js for the tests (scripts/setup installs everything)

GO ?= go
TUFJS := scripts/tuf-js
# npm ci writes this file: it stands for an installed node_modules.
TUFJS_STAMP := $(TUFJS)/node_modules/.package-lock.json

.PHONY: test deps setup demo demo-auto bench build release

test: setup
	$(GO) vet ./...
	$(GO) test -timeout 20m ./...

deps: $(TUFJS_STAMP)

$(TUFJS_STAMP): $(TUFJS)/package.json $(TUFJS)/package-lock.json
	cd $(TUFJS) && npm ci --prefer-offline --ignore-scripts --no-audit --no-fund
	touch $@

# The rehearsal needs the simulated devices' packages (pcscd, vpcd, SoftHSM2).
setup:
	scripts/setup

demo: setup
	$(GO) run ./cmd/ceremony rehearse $(if $(OUT),--dir $(OUT))

demo-auto:
	@out="$${OUT:-$$(mktemp -d)}"; \
	set -e; \
	echo "demo: writing to $$out"; \
	$(GO) run ./cmd/ceremony demo --out "$$out"; \
	$(GO) run ./cmd/ceremony verify "$$out/repository"; \
	echo "demo: output in $$out"

bench:
	scripts/bench

build:
	$(GO) build -o bin/ceremony ./cmd/ceremony

release:
	scripts/release dist
