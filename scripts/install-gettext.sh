#!/usr/bin/env bash
# Debian's GNU gettext tools (xgettext, msgmerge, msgfmt), which Django's `makemessages` and
# `compilemessages` run: `make messages` and the translation tests (tests/test_translations.py)
# need them. The desk itself does not: the compiled catalogues (locale/*/LC_MESSAGES/*.mo) are
# committed. Quick and silent when present.
set -euo pipefail

if command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 \
    && command -v msgmerge >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "GNU gettext is missing and installing it needs root: apt-get install gettext" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "Installing Debian's gettext for makemessages and compilemessages..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends gettext >/dev/null
msgfmt --version | head -1
