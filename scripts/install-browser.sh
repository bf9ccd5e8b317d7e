#!/usr/bin/env bash
# Debian's chromium for the browser tests (pytest-playwright drives it through
# executable_path=/usr/bin/chromium). Never `playwright install`: that downloads a browser
# build of its own, which this project does not depend on. Quick and silent when present.
set -euo pipefail

CHROMIUM=${DESK_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "$CHROMIUM is missing and installing it needs root: apt-get install chromium" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "Installing Debian's chromium for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# fonts-dejavu-core: legible text in screenshots; fonts-noto-color-emoji is not needed.
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
