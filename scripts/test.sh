#!/usr/bin/env bash
# The whole test suite of Parallax, from a fresh clone: installs what the tests need
# (idempotently), builds, and runs the Rust tests, the official Galileo SDK scenarios, the real
# OpenTelemetry exporter, the console in headless Chromium, and a benchmark smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "system packages (chromium for the console tests)"
scripts/install-browser.sh

step "python venv with the official clients"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
reqs=(-r tests/galileo/requirements.txt -r tests/otel/requirements.txt)
[ -f tests/console/requirements.txt ] && reqs+=(-r tests/console/requirements.txt)
.venv/bin/pip install --quiet --disable-pip-version-check "${reqs[@]}"

step "build"
cargo build --workspace --all-targets --locked

step "rust tests"
cargo test --workspace --locked

step "galileo SDK scenarios against the real server"
.venv/bin/python tests/galileo/run_scenarios.py target/debug/parallax

step "crash test: acknowledged writes survive kill -9"
.venv/bin/python tests/crash/kill9.py target/debug/parallax

step "OpenTelemetry exporter against the real server"
.venv/bin/python tests/otel/run_e2e.py target/debug/parallax

if [ -x tests/console/run.sh ]; then
  step "console in headless chromium"
  tests/console/run.sh
fi

if target/debug/parallax bench --help >/dev/null 2>&1; then
  step "benchmark smoke run"
  target/debug/parallax bench --traces 200 --runs 3
fi

step "all tests passed"
