#!/usr/bin/env bash
# Fetch FreeDict's English-Arabic dictionary (GPL, so not shipped in this repo) from Debian's package
# dict-freedict-eng-ara: nothing to do when it is installed system-wide; otherwise `apt-get download` it
# (no root needed) and unpack it where KHABAR_DICTIONARY=auto looks (~/.cache/khabar/dictionaries).
set -euo pipefail
PY=${1:-${PYTHON:-python3}}
[ -f /usr/share/dictd/freedict-eng-ara.index ] && exit 0
dest=$("$PY" -c 'from khabar.settings import default_dictionary_dir; print(default_dictionary_dir())')
[ -f "$dest/freedict-eng-ara.index" ] && exit 0
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || { echo "get-dictionary: apt-get and dpkg-deb are needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup: fetching the English-Arabic dictionary (Debian package dict-freedict-eng-ara)" >&2
(cd "$tmp" && { apt-get download -q dict-freedict-eng-ara >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get download -q dict-freedict-eng-ara >/dev/null; }; })
mkdir -p "$dest"
dpkg-deb -x "$tmp"/dict-freedict-eng-ara_*.deb "$tmp/x"
cp "$tmp"/x/usr/share/dictd/freedict-eng-ara.* "$dest/"
cp "$tmp"/x/usr/share/doc/dict-freedict-eng-ara/copyright "$dest/COPYRIGHT-freedict-eng-ara" 2>/dev/null || true
