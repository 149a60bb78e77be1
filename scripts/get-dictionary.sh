#!/usr/bin/env bash
# Fetch FreeDict's English-Arabic and Arabic-English dictionaries (GPL, so not shipped in this repo) from
# Debian's packages dict-freedict-eng-ara and dict-freedict-ara-eng, for questions over articles in the other
# language: each one KHABAR_DICTIONARY=auto does not find yet is fetched with `apt-get download` (no root needed
# while apt's package lists are there) and unpacked where auto looks.
set -euo pipefail
PY=${1:-${PYTHON:-python3}}
missing=$("$PY" -c 'from khabar.settings import DICTIONARIES, find_dictionaries
found = find_dictionaries("auto")
print(" ".join("dict-" + name.removesuffix(".index") for into, name in DICTIONARIES.items() if into not in found))')
[ -z "$missing" ] && exit 0
read -r -a packages <<< "$missing"
dest=$("$PY" -c 'from khabar.settings import default_dictionary_dir; print(default_dictionary_dir())')
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "get-dictionary: apt-get and dpkg-deb are needed; or point KHABAR_DICTIONARY at a folder of FreeDict's files" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup: fetching FreeDict's dictionaries (Debian packages ${packages[*]})" >&2
download() { (cd "$tmp" && timeout 300 apt-get download -q=2 "${packages[@]}"); }
if ! download; then
    if [ "$(id -u)" != 0 ]; then
        echo "get-dictionary: apt-get download failed; try 'sudo apt-get update', or 'sudo apt-get install ${packages[*]}'" >&2
        exit 1
    fi
    echo "get-dictionary: refreshing apt's package lists and trying again" >&2
    timeout 600 apt-get update -q=2 || { echo "get-dictionary: apt-get update failed" >&2; exit 1; }
    download || { echo "get-dictionary: apt-get download failed again" >&2; exit 1; }
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
