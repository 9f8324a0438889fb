#!/usr/bin/env bash
# Prints the Chromium the browser tests drive: $BATON_CHROMIUM, else the one on PATH,
# else Debian's `chromium` package, installed here with apt-get.
set -euo pipefail
if [[ -n "${BATON_CHROMIUM:-}" ]]; then
  echo "$BATON_CHROMIUM"
  exit 0
fi
if ! found=$(command -v chromium || command -v chromium-browser); then
  echo "no Chromium found: installing Debian's chromium package" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get install -y --no-install-recommends chromium >&2 \
    || { $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends chromium >&2; }
  found=$(command -v chromium)
fi
echo "$found"
