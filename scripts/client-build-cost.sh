#!/usr/bin/env bash
# What countersign-client costs a crate that depends on it, beside aws-sigv4 (with
# aws-credential-types, which it needs for credentials): distinct crates in the normal
# dependency tree, and the time of a clean debug build of an empty binary that depends on
# each, the cases in turn, ROUNDS times (default 2).
#
#   scripts/client-build-cost.sh [ROUNDS]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

client="countersign-client = { path = \"$repo/crates/countersign-client\""
declare -A deps=(
  [aws-sigv4]='aws-sigv4 = { version = "1.3", default-features = false, features = ["sign-http", "http1"] }
aws-credential-types = "1"'
  [client-default]="$client }"
  [client-reqwest]="$client, features = [\"reqwest\"] }"
  [client-s3]="$client, features = [\"s3\"] }"
)
cases=(aws-sigv4 client-default client-reqwest client-s3)
for case in "${cases[@]}"; do
  mkdir -p "$work/$case/src"
  echo 'fn main() {}' > "$work/$case/src/main.rs"
  printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n%s\n\n[workspace]\n' \
    "$case" "${deps[$case]}" > "$work/$case/Cargo.toml"
  (cd "$work/$case" && cargo fetch -q)
  crates=$(cd "$work/$case" && cargo tree -e normal --prefix none | sed 's/ (\*)//' | sort -u | wc -l)
  echo "$case: $((crates - 1)) crates besides itself"
done
for round in $(seq "$rounds"); do
  for case in "${cases[@]}"; do
    rm -rf "$work/target"
    start=$(date +%s.%N)
    (cd "$work/$case" && CARGO_TARGET_DIR="$work/target" cargo build -q)
    end=$(date +%s.%N)
    echo "round $round: $case $(echo "$end - $start" | bc) s (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
