#!/usr/bin/env bash
# The distinct 64-byte lines of code and of data one operation touches when it starts with the
# caches cold (`benches/footprint.rs`): what it costs in a server, whose other work on each
# request evicts them. Counted by cachegrind's simulation: a 1 KiB instruction cache (so that
# every line of code run is counted), a 32 KiB data cache and a 1 MiB second level, emptied
# before each operation by 4 MiB of writes. Each case runs 800 and 400 operations and the
# difference is divided by 400, so the setup cancels out; the eviction's own writes are taken
# off the data lines. Valgrind runs SHA-256 without the SHA extensions, in code larger than
# the real one's (most of the floor's lines): compare cases with each other, not with a
# machine's cache.
#
# The cases: the floor's cryptography, a header-signed verification and the bench's minimal
# verifier of the same request (a bound, benches/common/minimal.rs), a presigned
# verification, and the presigned GET through the whole layer beside the service alone (the
# difference is the layer's, the verification included).
#
# With --warm, each case runs back to back instead (no eviction) under a simulated 32 KiB,
# 8-way instruction cache, as the bench machine's: the lines it misses per operation are the
# code that does not stay in that cache from one operation to the next.
#
#   scripts/footprint.sh [--warm] [CASE...]   # default: floor verify minimal presigned layer service
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    apt-get install -y -qq valgrind
fi
bin="$(cargo bench --bench footprint --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -n 1)"
[ -x "$bin" ] || { echo "no footprint bench binary" >&2; exit 1; }
evict_lines=$(( (4 << 20) / 64 ))

# The LLi and LLd miss totals of a run of $2 operations of case $1.
misses() {
    valgrind --tool=cachegrind --cache-sim=yes --I1=1024,2,64 --D1=32768,8,64 --LL=1048576,16,64 \
        --cachegrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        awk '/LLi misses/ { gsub(",", "", $4); i = $4 } /LLd misses/ { gsub(",", "", $4); d = $4 } END { print i, d }'
}

# The I1 misses of a warm run of $2 operations of case $1.
warm_misses() {
    FOOTPRINT_WARM=1 valgrind --tool=cachegrind --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 \
        --LL=1048576,16,64 --cachegrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        awk '/I1  misses/ { gsub(",", "", $4); print $4 }'
}

warm=0
if [ "${1:-}" = --warm ]; then
    warm=1
    shift
fi
cases=("$@")
[ "${#cases[@]}" -gt 0 ] || cases=(floor verify minimal presigned layer service)
for case in "${cases[@]}"; do
    if [ "$warm" = 1 ]; then
        m8000=$(warm_misses "$case" 8000)
        m4000=$(warm_misses "$case" 4000)
        echo "$case, warm: $(( (m8000 - m4000) / 4000 )) instruction cache misses per operation (32 KiB, 8-way)"
        continue
    fi
    read -r i800 d800 < <(misses "$case" 800)
    read -r i400 d400 < <(misses "$case" 400)
    echo "$case: $(( (i800 - i400) / 400 )) lines of code, $(( (d800 - d400) / 400 - evict_lines )) lines of data per operation"
done
