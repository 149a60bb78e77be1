#!/usr/bin/env bash
# Fetch FreeDict's English-Arabic and Arabic-English dictionaries (GPL, so not shipped in this repo) from
# Debian's packages dict-freedict-eng-ara and dict-freedict-ara-eng: nothing to do when KHABAR_DICTIONARY=auto
# already finds both; otherwise `apt-get download` them (no root needed while apt's package lists are there)
# and unpack them where auto looks.
set -euo pipefail
PY=${1:-${PYTHON:-python3}}
"$PY" -c 'import sys; from khabar.settings import DICTIONARIES, find_dictionaries
sys.exit(0 if len(find_dictionaries("auto")) == len(DICTIONARIES) else 1)' && exit 0
dest=$("$PY" -c 'from khabar.settings import default_dictionary_dir; print(default_dictionary_dir())')
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "get-dictionary: apt-get and dpkg-deb are needed; or point KHABAR_DICTIONARY at a folder of FreeDict's files" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
packages=(dict-freedict-eng-ara dict-freedict-ara-eng)
echo "setup: fetching FreeDict's English-Arabic dictionaries (Debian packages ${packages[*]})" >&2
download() { (cd "$tmp" && timeout 300 apt-get download -q=2 "${packages[@]}"); }
if ! download; then
    if [ "$(id -u)" != 0 ]; then
        echo "get-dictionary: apt-get download failed; try 'sudo apt-get update', or 'sudo apt-get install ${packages[*]}'" >&2
        exit 1
    fi
    echo "get-dictionary: refreshing apt's package lists and trying again" >&2
    timeout 600 apt-get update -q=2 && download
fi
mkdir -p "$dest"
for pkg in "${packages[@]}"; do
    name=freedict-${pkg#dict-freedict-}
    dpkg-deb -x "$tmp/${pkg}"_*.deb "$tmp/x"
    cp "$tmp/x/usr/share/doc/$pkg/copyright" "$dest/COPYRIGHT-$name" 2>/dev/null || true
    cp "$tmp/x/usr/share/dictd/$name.dict.dz" "$dest/.$name.dict.dz.part"
    cp "$tmp/x/usr/share/dictd/$name.index" "$dest/.$name.index.part"
    # the data first and the index last: auto looks for the index, so it never finds half a dictionary
    mv "$dest/.$name.dict.dz.part" "$dest/$name.dict.dz"
    mv "$dest/.$name.index.part" "$dest/$name.index"
done
