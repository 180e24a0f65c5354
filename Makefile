GO ?= go
# Short or full benchmark runs: make bench BENCHTIME=2s COUNT=10
BENCHTIME ?= 300ms
COUNT ?= 1
# The modules of their own under contrib/ (contrib/otel/, contrib/prometheus/)
CONTRIB := $(dir $(wildcard contrib/*/go.mod))

.PHONY: demo test servers bench lint fuzz

## demo: run examples/quickstart on the memory store (no server needed)
demo:
	$(GO) run ./examples/quickstart

## servers: install redis-server and memcached if they are missing
servers:
	@./scripts/ensure-servers.sh

## test: install what the tests need, then run every test with the race detector
## (which needs cgo: without a C compiler the tests run without it, and say so),
## the root module's and those of each module under contrib/ (go test ./... at
## the root does not reach them)
test: servers
	@if [ "$$($(GO) env CGO_ENABLED)" = 1 ]; then race=-race; else race=; \
		echo "WARNING: cgo is off (no C compiler?): the tests run WITHOUT the race detector" >&2; fi; \
	echo "$(GO) test $$race -count=1 ./..."; $(GO) test $$race -count=1 ./... || status=1; \
	for m in $(CONTRIB); do \
		echo "(cd $$m && $(GO) test $$race -count=1 ./...)"; (cd $$m && $(GO) test $$race -count=1 ./...) || status=1; \
	done; exit $${status:-0}

## bench: run benchmarks/ (cachekit against its peers, on servers of its own)
## and write benchmarks/RESULTS.md; BENCH=short (default) or BENCH=full;
## BENCHTIME and COUNT on the command line override the mode's
bench: servers
	BENCH='$(or $(BENCH),short)' \
	$(if $(filter command line environment,$(origin BENCHTIME)),BENCHTIME='$(BENCHTIME)') \
	$(if $(filter command line environment,$(origin COUNT)),COUNT='$(COUNT)') \
	./benchmarks/run.sh

## fuzz: run every fuzz target for FUZZTIME each (default 30s); not run by CI
fuzz:
	FUZZTIME='$(or $(FUZZTIME),30s)' ./scripts/fuzz.sh

## lint: gofmt and go vet, of the root module and of each module under contrib/
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@for m in $(CONTRIB); do echo "(cd $$m && $(GO) vet ./...)"; (cd $$m && $(GO) vet ./...) || exit 1; done
