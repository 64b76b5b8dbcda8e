# switchboard — `make run` and `make test` set up everything on a fresh Debian machine.

GO      ?= go
BIN     := bin/switchboard
ARGS    ?=
GOFLAGS_TEST ?= -race -count=1
# Opus comes through diago's cgo binding to libopus.
TAGS    := with_opus_c

# System packages: what the product needs to build and run, and the real SIP and
# audio peers the tests talk to (Kamailio, baresip, SIPp, sox, PulseAudio).
RUN_PACKAGES  := ca-certificates portaudio19-dev libopus-dev libopusfile-dev pkg-config
TEST_PACKAGES := $(RUN_PACKAGES) kamailio kamailio-extra-modules kamailio-tls-modules \
	baresip sip-tester sipsak sipvicious sox libsox-fmt-all netcat-openbsd openssl \
	pulseaudio pulseaudio-utils alsa-utils libasound2-plugins tmux

.PHONY: all build run test test-short bench soak lint fuzz deps-run deps-test clean

all: build

deps-run:
	@scripts/ensure-packages.sh $(RUN_PACKAGES)

deps-test:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)

build:
	$(GO) build -trimpath -tags $(TAGS) -o $(BIN) ./cmd/switchboard

## run: install what is missing, build, start switchboard (extra flags: make run ARGS="dial 1002")
run: deps-run build
	./$(BIN) $(ARGS)

## test: install the test peers, then run every test against them (race detector on)
test: deps-test
	$(GO) vet -tags $(TAGS) ./...
	SWITCHBOARD_REQUIRE_PEERS=1 $(GO) test $(GOFLAGS_TEST) -tags $(TAGS) -timeout 40m ./...
	$(MAKE) --no-print-directory fuzz

## fuzz: every fuzz target for a short, bounded time (FUZZTIME each; part of make test)
FUZZTIME ?= 10s
# crm: the parser-only targets; FuzzImportCSV/FuzzImportVCard (a SQLite file per
# input, ~0 execs/s under -fuzz) still run their seeds as plain tests.
FUZZ_TARGETS := ./crm/numbers:FuzzNormalize ./crm:FuzzParseCSV ./crm:FuzzParseVCard ./config:FuzzLoad \
	./internal/control:FuzzRequestLines \
	./audio:FuzzDecodeWAV ./audio/jitter:FuzzPush ./phone:FuzzParseTarget \
	./phone:FuzzRemoteAudioDirection ./phone:FuzzParseInfoDTMF ./phone:FuzzParseReferTo \
	./phone:FuzzParseSipfrag ./phone:FuzzAutoAnswerParams ./phone:FuzzParseReplacesHeader ./phone:FuzzCallerText
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg >/dev/null || \
			{ $(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; exit 1; }; \
	done

## test-short: unit tests only, no peers needed
test-short: deps-run
	$(GO) test -short -count=1 -tags $(TAGS) ./...

## bench: benchmarks with figures next to baresip's, measured in the same run; the CRM
## and history ones on the data sizes their goals are stated for (BENCH_CONTACTS, BENCH_CALLS)
BENCH_CONTACTS ?= 1000000
BENCH_CALLS    ?= 10000000
# The history package runs first: it generates (once, cached in the temp
# directory) the database of BENCH_CALLS calls that the console's history
# benchmark then measures on; generating 10,000,000 calls takes about an hour.
BENCH_ENV = SWITCHBOARD_BENCH_CONTACTS=$(BENCH_CONTACTS) SWITCHBOARD_BENCH_CALLS=$(BENCH_CALLS) SWITCHBOARD_REQUIRE_PEERS=1
bench: deps-test build
	$(BENCH_ENV) $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 1x -timeout 150m ./history
	$(BENCH_ENV) $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 1x -timeout 60m \
		$$($(GO) list ./... | grep -vx 'github.com/switchboard/switchboard/history')

## soak: one switchboard serve answers SIPp calls (3 s of audio each) for SOAK_DURATION;
## memory, goroutines and open files at the start, every 30 s and at the end must stay flat
SOAK_DURATION ?= 3m
soak: deps-test build
	SWITCHBOARD_SOAK_DURATION=$(SOAK_DURATION) SWITCHBOARD_REQUIRE_PEERS=1 $(GO) test -tags $(TAGS) \
		-run '^$$' -bench '^BenchmarkSoak$$' -benchtime 1x -timeout 60m ./cmd/switchboard

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...

clean:
	rm -rf bin
