#!/usr/bin/env bash
# Copies the fixtures into fuzz/corpus/<target>/ as seeds (the corpus is not
# committed). Files are named by their SHA-256, as libFuzzer names its own.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures

seed() { # target, then find(1) name patterns
    local target=$1
    shift
    mkdir -p "corpus/$target"
    local args=() p
    for p in "$@"; do args+=(-o -iname "$p"); done
    local dirs=() d
    for d in cycle-2026/inbox twins suites writers/cases xml-cases "fuzz-regressions/$target"; do
        [[ -d $fixtures/$d ]] && dirs+=("$fixtures/$d")
    done
    find "${dirs[@]}" -type f \( "${args[@]:1}" \) -print0 |
        while IFS= read -r -d '' f; do
            cp "$f" "corpus/$target/$(sha256sum "$f" | cut -c1-40)"
        done
    echo "$target: $(find "corpus/$target" -type f | wc -l) seeds"
}

seed ingest_spreadsheet '*.xlsx' '*.xlsm' '*.xlsb' '*.xls' '*.ods'
seed ingest_xml '*.xml'
seed discover_container '*.xlsx' '*.xlsm' '*.xlsb' '*.ods'
