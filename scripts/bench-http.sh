#!/usr/bin/env bash
# Requests per second of the example API with and without the SigV4 layer, measured with wrk
# (64 keep-alive connections from a second process, on loopback) in one run. Every request
# carries a valid signature: a presigned URL reused within its lifetime, sent as it is to both
# sides (the same bytes, so that only the layer differs). The two sides alternate for ROUNDS
# rounds (the machine is shared and noisy); the medians and their ratio are printed.
#
#   scripts/bench-http.sh [SECONDS] [ROUNDS]     # default 10 s per side, 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-3}"

if ! command -v wrk >/dev/null; then
    apt-get install -y -qq wrk
fi
cargo build --release --example axum_api -p countersign
cargo build --release -p countersign-cli

work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
echo '{"keys": [{"access_key_id": "AKIDBENCH", "secret_access_key": "bench-secret", "principal": {"user": "bench"}}]}' > "$work/keys.json"

target/release/examples/axum_api --listen 127.0.0.1:18181 --keys "$work/keys.json" > "$work/auth.log" &
target/release/examples/axum_api --listen 127.0.0.1:18182 --no-auth > "$work/plain.log" &
for port in 18181 18182; do
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
done

url="$(target/release/countersign presign GET http://127.0.0.1:18181/items --expires 3600 \
    --access-key AKIDBENCH --secret-key bench-secret --region us-east-1 --service execute-api)"
curl -sf "$url" > /dev/null || { echo "the presigned URL was refused" >&2; exit 1; }

rps() { wrk -t2 -c64 -d"${seconds}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: > "$work/with"; : > "$work/without"
for round in $(seq "$rounds"); do
    a="$(rps "$url")"; b="$(rps "${url/127.0.0.1:18181/127.0.0.1:18182}")"
    echo "round $round: with the layer $a, without $b requests/s"
    echo "$a" >> "$work/with"; echo "$b" >> "$work/without"
done
with_layer="$(median < "$work/with")"
without_layer="$(median < "$work/without")"
echo "with the layer:    $with_layer requests/s (median)"
echo "without the layer: $without_layer requests/s (median)"
awk -v a="$with_layer" -v b="$without_layer" 'BEGIN { printf "ratio: %.1f%%\n", 100 * a / b }'
