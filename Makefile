# Causeway developer entry points. The README's Quick start runs `make demo` and `make test`.
# Every target installs what it needs first, so both work on a fresh Debian machine
# that has the Swift toolchain.

SWIFT ?= swift
SHELL := /bin/bash
DEBIAN_PACKAGES := zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev pkg-config kcat python3-pip libsqlite3-dev openssl
PYTHON_PACKAGES := confluent-kafka kafka-python aiokafka crc32c cramjam pytest

.PHONY: demo test deps build fuzz bench bench-broker e2e generate clean

## Build and run the demo: two embedded clusters, a live link, verification, a failover.
demo: deps build
	$(SWIFT) run causeway demo

## Run every test suite: the Swift tests, then real clients (kcat, confluent-kafka,
## kafka-python) against the causeway binary.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 -m pytest Tests/EndToEnd -q

## Only the end-to-end tests with real clients.
e2e: deps build
	python3 -m pytest Tests/EndToEnd -q

build:
	$(SWIFT) build

## Install Debian and Python packages the build and tests use (skips what is there).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@python3 -c "import confluent_kafka, kafka, aiokafka, crc32c, cramjam, pytest" 2>/dev/null || \
		{ echo "installing Python packages: $(PYTHON_PACKAGES)"; python3 -m pip install -q $(PYTHON_PACKAGES); }

## Run the libFuzzer targets for FUZZ_SECONDS each (default 60) on the seed corpus.
fuzz: deps
	Scripts/fuzz.sh $${FUZZ_SECONDS:-60}

## Micro-benchmarks of the codec (CRC-32C, batch parse/build), release build.
bench: deps
	$(SWIFT) run -c release causeway bench codec

## Embedded broker produce/fetch MB/s and latency on loopback (release build).
bench-broker: deps
	$(SWIFT) build -c release
	CAUSEWAY_BIN=.build/release/causeway python3 Tests/EndToEnd/bench_broker.py

## Regenerate the message codecs from ../shared/kafka-protocol/messages.
generate:
	python3 Scripts/generate-messages.py

clean:
	rm -rf .build Fuzz/.build .build-fuzz-corpus
