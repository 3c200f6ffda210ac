# vms: the two commands that matter are `make run` and `make test` (see README.md).
SWIFT ?= swift
CONFIG ?= config/vms.yaml

.PHONY: run test deps test-deps build build-release unit-test e2e-test demo-video clean bench soak install deb lint format

run: deps build-release demo-video
	@echo "vms: serving $(CONFIG). Open the URL printed below and sign in as admin: on the first start the"
	@echo "     password is printed once in a box below (it is kept in data/auth/users.json). Ctrl-C stops cleanly."
	.build/release/vms serve --config $(CONFIG)

test: lint test-deps build
	@# XCTest only: the tests are XCTest, and Swift Testing's runner would close on "0 tests".
	$(SWIFT) test --disable-swift-testing
	@# The benchmark harness, once at N = 1 for 10 s on the debug build: proves it produces its
	@# numbers (speed is never asserted in a test; `make bench` measures a release build).
	BENCH_QUICK=1 VMS_BIN=$(CURDIR)/.build/debug/vms /usr/bin/python3 bench/bench.py
	./scripts/run-e2e-tests

# Style: swift-format (part of the toolchain) with the checked-in .swift-format; `make format` fixes
# what `make lint` finds.
lint:
	$(SWIFT) format lint --strict --parallel -r Sources Tests Package.swift

format:
	$(SWIFT) format format --in-place --parallel -r Sources Tests Package.swift

deps:
	@./scripts/install-deps

test-deps:
	@./scripts/install-deps --test

build:
	$(SWIFT) build

build-release:
	$(SWIFT) build -c release

demo-video:
	@./scripts/make-demo-video data/demo-camera.mp4

clean:
	rm -rf .build

# Cost per camera of vms against the FFmpeg-CLI floor and Motion (bench/README.md). Release build
# through the shared build lock; BENCH_QUICK=1 runs N=1 for 10 s. Results go to bench/results/.
bench: test-deps
	flock /tmp/vms-build.lock $(SWIFT) build -c release
	/usr/bin/python3 bench/bench.py

# The long runs kept out of `make test` (pytest marker `soak`): ten minutes of continuous recording in
# 1-minute segments, on the debug build like the other end-to-end tests.
soak: test-deps build
	VMS_BIN=$(CURDIR)/.build/debug/vms /usr/bin/python3 -m pytest tests -p no:cacheprovider -m soak -n 2

# Release binary (static Swift runtime), UI resources, systemd unit, /etc/vms/vms.yaml when none
# exists, /var/lib/vms. PREFIX (default /usr/local) and DESTDIR honoured. See scripts/install-vms.
install:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" SWIFT="$(SWIFT)" ./scripts/install-vms

# .build/deb/vms_VERSION_ARCH.deb, depending on the packages of the libraries the binary links.
deb:
	SWIFT="$(SWIFT)" ./scripts/make-deb
