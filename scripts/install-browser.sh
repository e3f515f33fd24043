#!/usr/bin/env bash
# Installs the headless browser the console tests drive: Debian's Chromium and its WebDriver.
# Idempotent: does nothing when both are already there.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver >/dev/null
