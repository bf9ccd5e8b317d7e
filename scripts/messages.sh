#!/usr/bin/env bash
# Brings the translation catalogues up to date with the code: Django's `makemessages` adds every
# string marked in Python and templates (domain django) and in the page's modules under static/
# (domain djangojs, served by /jsi18n/) to locale/ru/LC_MESSAGES/*.po, keeping the translations
# there, then `compilemessages` compiles them into the .mo files the desk reads. The .po files are
# the source of the wording: edit them, then run this (or `make messages`) again.
#
# Run from the project's root (or give it as $1); PY names the Python with Django (default
# .venv/bin/python). Needs GNU gettext: scripts/install-gettext.sh.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
PY=${PY:-.venv/bin/python}
LANGUAGES=(--locale ru)
# Locations name the file only: a line number would change the .po at every edit nearby.
OPTIONS=(--add-location file --no-obsolete)
# Not the desk's own strings: installed packages, collected static files, the JS tests' fakes.
IGNORE=(--ignore '.venv' --ignore 'node_modules' --ignore 'var' --ignore 'staticfiles'
  --ignore 'tests')

"$PY" manage.py makemessages "${LANGUAGES[@]}" --domain django "${OPTIONS[@]}" "${IGNORE[@]}"
"$PY" manage.py makemessages "${LANGUAGES[@]}" --domain djangojs "${OPTIONS[@]}" "${IGNORE[@]}"
# makemessages stamps the time into each catalogue's header: a line that changes at every run
# and makes two branches that each added a string conflict on it. The catalogues keep none.
sed -i '/^"POT-Creation-Date: /d' locale/*/LC_MESSAGES/*.po
"$PY" manage.py compilemessages "${LANGUAGES[@]}" "${IGNORE[@]}"
