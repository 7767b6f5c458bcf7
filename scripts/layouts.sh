#!/usr/bin/env bash
# `min_of_runs` over several random code layouts. The bench binary is relinked with rust-lld
# shuffling the order of its functions (`--shuffle-sections`, one seed per layout) and run
# once per layout; then the median and range of each ratio over the layouts are printed.
# Where the code lies moves a warm verification by several percent on its own (the spread is
# in BENCHMARKING.md): a difference between two builds means something only beside it.
#
#   scripts/layouts.sh [LAYOUTS]     # default 6 (about a minute each)
set -euo pipefail
cd "$(dirname "$0")/.."
layouts="${1:-6}"
host="$(rustc -vV | sed -n 's/^host: //p')"
gcc_ld="$(rustc --print sysroot)/lib/rustlib/$host/bin/gcc-ld"
[ -x "$gcc_ld/ld.lld" ] || { echo "rust-lld's linker wrapper is missing: $gcc_ld/ld.lld" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for seed in $(seq "$layouts"); do
    bin="$(cargo rustc -q --profile bench --bench min_of_runs --message-format=json -- \
        -Clink-arg=-fuse-ld=lld "-Clink-arg=-B$gcc_ld" "-Clink-arg=-Wl,--shuffle-sections=*=$seed" |
        python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])' | tail -n 1)"
    [ -x "$bin" ] || { echo "no bench binary for layout $seed" >&2; exit 1; }
    "$bin" > "$work/$seed.txt"
    echo "layout $seed:"
    sed 's/^/  /' "$work/$seed.txt"
done

# The first ratio ("<number>x") of the lines starting with a pattern, one per layout; then
# their median, lowest and highest.
summary() {
    local label="$1" pattern="$2"
    cat "$work"/*.txt | awk -v label="$label" -v pattern="$pattern" '
        index($0, pattern) == 1 && match($0, /[0-9][0-9.]*x/) { v[++n] = substr($0, RSTART, RLENGTH - 1) + 0 }
        END {
            if (n == 0) { print label ": no figures"; exit }
            for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
            median = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            printf "%s: median %.2fx, %.2f-%.2fx over %d layouts\n", label, median, v[1], v[n], n
        }'
}
echo
summary "warm verify / floor" "verify, key cache warm:"
summary "minimal verifier (a bound) / floor" "minimal verifier (a bound):"
summary "scratchstack / countersign" "scratchstack verify:"
summary "cold verify / its floor" "verify, key cache cold:"
summary "aws-sigv4 sign / countersign sign" "sign:"
