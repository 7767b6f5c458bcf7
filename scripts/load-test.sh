#!/usr/bin/env bash
# Load without loss, against the example servers from a second process, with the server's
# resident memory sampled every second:
#   1. 1,000,000 signed requests (a presigned URL reused within its lifetime) through the
#      example API, 64 keep-alive connections (wrk); every response must be a 2xx;
#   2. 2 GiB of aws-chunked uploads (signed 64 KiB chunks) in 8 parallel streams to the S3
#      example with the countersign command; every object must arrive whole.
#
#   scripts/load-test.sh [REQUESTS] [UPLOAD_MIB] [STREAMS]    # defaults 1000000 2048 8
set -euo pipefail
cd "$(dirname "$0")/.."
requests="${1:-1000000}"
upload_mib="${2:-2048}"
streams="${3:-8}"

command -v wrk >/dev/null || apt-get install -y -qq wrk
cargo build --release --example axum_api --example s3_server -p countersign
cargo build --release -p countersign-cli
cli=target/release/countersign

work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
echo '{"keys": [{"access_key_id": "AKIDLOAD", "secret_access_key": "load-secret", "principal": {"arn": "arn:aws:iam::111122223333:user/load"}}]}' > "$work/keys.json"
echo '{"identities": {"arn:aws:iam::111122223333:user/load": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}}' > "$work/policies.json"
creds=(--access-key AKIDLOAD --secret-key load-secret --region us-east-1)

wait_port() {
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    echo "nothing listens on $1" >&2; exit 1
}

# Samples VmRSS (KiB) of pid $1 into file $2 every second until stopped.
sample_rss() {
    while kill -0 "$1" 2>/dev/null; do
        awk '/^VmRSS:/ {print $2}' "/proc/$1/status" >> "$2" 2>/dev/null || true
        sleep 1
    done
}

rss_summary() {
    sort -n "$1" | awk 'NR == 1 {min = $1} {max = $1; n++} END {printf "RSS samples %d, min %d KiB, max %d KiB\n", n, min, max}'
    echo "RSS first $(head -1 "$1") KiB, last $(tail -1 "$1") KiB"
}

echo "== 1. $requests signed requests through the example API"
target/release/examples/axum_api --listen 127.0.0.1:18281 --keys "$work/keys.json" --policies "$work/policies.json" > "$work/api.log" &
api=$!
wait_port 18281
url="$("$cli" presign GET http://127.0.0.1:18281/items --expires 3600 "${creds[@]}" --service execute-api)"
sample_rss "$api" "$work/api.rss" &
sampler=$!
total=0 bad=0 errors=0
while [ "$total" -lt "$requests" ]; do
    out="$(wrk -t2 -c64 -d20s "$url")"
    done_now="$(echo "$out" | awk '/requests in/ {print $1}')"
    bad_now="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
    errors_now="$(echo "$out" | awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}')"
    total=$((total + ${done_now:-0}))
    bad=$((bad + ${bad_now:-0}))
    errors=$((errors + ${errors_now:-0}))
    echo "  $total requests so far; $(echo "$out" | awk '/Requests\/sec/ {print $2}') requests/s"
done
kill "$sampler" 2>/dev/null || true
echo "requests: $total, non-2xx: $bad, socket errors: $errors"
rss_summary "$work/api.rss"
kill "$api"

echo "== 2. $upload_mib MiB of aws-chunked uploads in $streams parallel streams"
target/release/examples/s3_server --listen 127.0.0.1:18282 --data "$work/data" --keys "$work/keys.json" --policies "$work/policies.json" > "$work/s3.log" &
s3=$!
wait_port 18282
"$cli" request -X PUT "${creds[@]}" --service s3 http://127.0.0.1:18282/load > /dev/null
per_stream=$((upload_mib / streams))
head -c "$((per_stream * 1024 * 1024))" /dev/urandom > "$work/part.bin"
sample_rss "$s3" "$work/s3.rss" &
sampler=$!
started=$(date +%s.%N)
for i in $(seq "$streams"); do
    "$cli" request -X PUT -T "$work/part.bin" --payload chunked --no-progress "${creds[@]}" --service s3 \
        "http://127.0.0.1:18282/load/object-$i" > /dev/null &
done
wait $(jobs -p | grep -v -e "^$s3\$" -e "^$sampler\$") 2>/dev/null || true
ended=$(date +%s.%N)
sleep 1
kill "$sampler" 2>/dev/null || true
whole=0
for i in $(seq "$streams"); do
    size="$(stat -c %s "$work/data/load/object-$i" 2>/dev/null || echo 0)"
    [ "$size" -eq "$((per_stream * 1024 * 1024))" ] && whole=$((whole + 1))
done
awk -v mib="$upload_mib" -v s="$started" -v e="$ended" 'BEGIN { printf "uploaded %d MiB in %.1f s\n", mib, e - s }'
echo "objects whole: $whole of $streams"
rss_summary "$work/s3.rss"
