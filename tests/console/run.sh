#!/usr/bin/env bash
# Browser tests of the console: real headless Chromium against the real server binary.
# Usage: tests/console/run.sh [path/to/parallax]   (default: target/debug/parallax; run
# `cargo build -p parallax-cli` first). Installs Chromium and chromedriver (Debian packages) and
# selenium (into .venv) when missing. Runs test_console.py (browsing, issue 4), test_review.py
# (human review, issue 5) and test_quarantine.py (admitting quarantined records). Screenshots
# land in target/console-screenshots/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bash scripts/install-browser.sh
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c "import selenium" 2>/dev/null; then
    .venv/bin/pip install -q -r tests/console/requirements.txt
fi
binary="${1:-$root/target/debug/parallax}"
if [ ! -x "$binary" ]; then
    echo "no server binary at $binary; run: cargo build -p parallax-cli" >&2
    exit 2
fi
# Each file starts its own server with its own data; screenshots of all of them are kept.
mkdir -p target/console-screenshots
rm -f target/console-screenshots/*.png
status=0
for suite in test_console.py test_review.py test_quarantine.py; do
    echo "== $suite"
    .venv/bin/python "tests/console/$suite" "$binary" || status=1
done
exit $status
