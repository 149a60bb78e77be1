#!/usr/bin/env bash
# Fetch FreeDict's English-Arabic dictionary (GPL, so not shipped in this repo) from Debian's package
# dict-freedict-eng-ara: nothing to do when KHABAR_DICTIONARY=auto already finds one; otherwise
# `apt-get download` it (no root needed while apt's package lists are there) and unpack it where auto looks.
set -euo pipefail
PY=${1:-${PYTHON:-python3}}
"$PY" -c 'import sys; from khabar.settings import find_dictionary; sys.exit(0 if find_dictionary("auto") else 1)' && exit 0
dest=$("$PY" -c 'from khabar.settings import default_dictionary_dir; print(default_dictionary_dir())')
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "get-dictionary: apt-get and dpkg-deb are needed; or point KHABAR_DICTIONARY at FreeDict's eng-ara .index" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup: fetching the English-Arabic dictionary (Debian package dict-freedict-eng-ara)" >&2
download() { (cd "$tmp" && timeout 300 apt-get download -q=2 dict-freedict-eng-ara); }
if ! download; then
    if [ "$(id -u)" != 0 ]; then
        echo "get-dictionary: apt-get download failed; try 'sudo apt-get update', or 'sudo apt-get install dict-freedict-eng-ara'" >&2
        exit 1
    fi
    echo "get-dictionary: refreshing apt's package lists and trying again" >&2
    timeout 600 apt-get update -q=2 && download
fi
dpkg-deb -x "$tmp"/dict-freedict-eng-ara_*.deb "$tmp/x"
mkdir -p "$dest"
cp "$tmp"/x/usr/share/doc/dict-freedict-eng-ara/copyright "$dest/COPYRIGHT-freedict-eng-ara" 2>/dev/null || true
cp "$tmp"/x/usr/share/dictd/freedict-eng-ara.dict.dz "$dest/.freedict-eng-ara.dict.dz.part"
cp "$tmp"/x/usr/share/dictd/freedict-eng-ara.index "$dest/.freedict-eng-ara.index.part"
# the data first and the index last: auto looks for the index, so it never finds half a dictionary
mv "$dest/.freedict-eng-ara.dict.dz.part" "$dest/freedict-eng-ara.dict.dz"
mv "$dest/.freedict-eng-ara.index.part" "$dest/freedict-eng-ara.index"
