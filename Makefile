# ceremony: build, test, demo and benchmark.
#
#   make test    go vet, then every test (installs tuf-js first if it is missing)
#   make demo    a whole ceremony in a temp dir (or OUT=dir), then verify it
#   make bench   the benchmarks (scripts/bench)
#   make build   bin/ceremony
#   make deps    tuf-js for the tests (scripts/setup installs everything)

GO ?= go
TUFJS := scripts/tuf-js
# npm ci writes this file: it stands for an installed node_modules.
TUFJS_STAMP := $(TUFJS)/node_modules/.package-lock.json

.PHONY: test deps demo bench build

test: deps
	$(GO) vet ./...
	$(GO) test -timeout 20m ./...

deps: $(TUFJS_STAMP)

$(TUFJS_STAMP): $(TUFJS)/package.json $(TUFJS)/package-lock.json
	cd $(TUFJS) && npm ci --prefer-offline --ignore-scripts --no-audit --no-fund
	touch $@

demo:
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
