# Posse — see README.md. `make demo` and `make test` are the two commands a
# newcomer runs as root on a fresh Debian 12 machine.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/posse-project/posse/internal/version.Version=$(VERSION)
BIN     := bin
RELEASE ?= trixie

.PHONY: all build gui deb deps test unit lint e2e demo fuzz bench screenshots clean

all: build

deps:
	./scripts/deps.sh

build:
	mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

## test: everything CI runs: formatting, vet, unit tests, fuzzing (each
## target FUZZTIME, 10 s), end-to-end tests.
test: deps lint unit fuzz e2e

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...

## unit: tests that need no root and no services.
unit:
	$(GO) test ./...
	$(GO) test -tags failpoints ./provisioning/apply/...

## e2e: real services in sandboxes (root), in two test processes side by
## side (scripts/e2e.sh; E2E_PARTS=1 for one, E2E_RUN=REGEXP for some tests).
e2e: build
	./scripts/e2e.sh

gui:
	mkdir -p $(BIN)
	$(GO) build -tags no_emoji -ldflags '$(LDFLAGS)' -o $(BIN)/posse .

## deb: the Debian packages (nfpm), into bin/, checked by Debian 12's and 13's lintian
deb: build gui
	./scripts/deb.sh $(VERSION)
	lintian --fail-on error bin/posse*.deb
	./scripts/lintian.sh trixie bin/posse*.deb

screenshots: gui
	./scripts/screenshots.sh

## bench: the benchmarks in docs/benchmarks.md and docs/proof.md (root, sandboxes)
bench: deps build
	./scripts/bench.sh

## fuzz: every fuzz target for FUZZTIME each (a duration, or a count like 200000x)
FUZZTIME ?= 10s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

## mutate: mutation testing of atomic writes, the apply engine, possed's authorisation and systemd jobs (about 10 min, as root like test; not part of test; see docs/proof.md)
mutate:
	$(GO) run ./scripts/mutate

## demo: RELEASE=bookworm boots a Debian 12 box instead of Debian 13
demo: deps build
	RELEASE=$(RELEASE) ./scripts/demo.sh

clean:
	rm -rf $(BIN)
