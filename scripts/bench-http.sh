#!/usr/bin/env bash
# Requests per second of the example API with and without the SigV4 layer, measured with wrk
# (64 keep-alive connections from a second process, on loopback) in one run. Every request
# carries a valid signature, sent as it is to both sides (the same bytes, so that only the
# layer differs): first a presigned URL reused within its lifetime, then a header-signed GET
# (signed again each round). The two sides alternate for ROUNDS rounds (the machine is shared
# and noisy); the medians and their ratio are printed for each kind, with the CPU time each
# server spent per request (user + system, from /proc), which wanders less than the rates.
# A third server stands in for any verifier's best: the same router behind only the
# cryptography a verification cannot skip (`--floor-only`: one SHA-256 of about the canonical
# request's bytes and one HMAC, nothing checked); its ratio is the most a layer could reach.
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
echo '{"keys": [{"access_key_id": "AKIDBENCH", "secret_access_key": "bench-secret", "principal": {"arn": "arn:aws:iam::111122223333:user/bench"}}]}' > "$work/keys.json"
echo '{"identities": {"arn:aws:iam::111122223333:user/bench": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}}' > "$work/policies.json"

target/release/examples/axum_api --listen 127.0.0.1:18181 --keys "$work/keys.json" --policies "$work/policies.json" > "$work/auth.log" &
auth_pid=$!
target/release/examples/axum_api --listen 127.0.0.1:18182 --no-auth > "$work/plain.log" &
plain_pid=$!
target/release/examples/axum_api --listen 127.0.0.1:18183 --floor-only > "$work/floor.log" &
floor_pid=$!
for port in 18181 18182 18183; do
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
done

cli=target/release/countersign
credentials=(--access-key AKIDBENCH --secret-key bench-secret --region us-east-1 --service execute-api)
url="$("$cli" presign GET http://127.0.0.1:18181/items --expires 3600 "${credentials[@]}")"
curl -sf "$url" > /dev/null || { echo "the presigned URL was refused" >&2; exit 1; }

# A header-signed GET: its X-Amz-Date and Authorization lines as wrk -H options, signed anew
# for each round (a signature is good for the five minutes of clock skew).
header_signed() {
    printf 'GET /items HTTP/1.1\r\nHost: 127.0.0.1:18181\r\n\r\n' |
        "$cli" sign "${credentials[@]}" - |
        awk -F: '/^(X-Amz-Date|Authorization):/ { name = $1; sub(/^[^:]*:/, ""); sub(/\r$/, ""); printf "-H\n%s: %s\n", name, $0 }'
}

# CPU time a process has used, in clock ticks (user + system).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second="$(getconf CLK_TCK)"

# Requests per second for wrk's arguments, against the server of process $1; refuses a run in
# which any answer was not a 2xx. Appends the server's CPU microseconds per request to
# "$work/cpu.$1".
rps() {
    local pid="$1" out before after
    shift
    before="$(cpu_ticks "$pid")"
    out="$(wrk -t2 -c64 -d"${seconds}s" "$@")"
    after="$(cpu_ticks "$pid")"
    if grep -q "Non-2xx" <<< "$out"; then
        echo "some requests were refused: $out" >&2
        exit 1
    fi
    awk -v ticks="$((after - before))" -v hz="$ticks_per_second" \
        '/ requests in / { printf "%.2f\n", ticks / hz * 1e6 / $1 }' <<< "$out" >> "$work/cpu.$pid"
    awk '/Requests\/sec/ {print $2}' <<< "$out"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
for kind in presigned header; do
    : > "$work/with"; : > "$work/without"; : > "$work/floor"
    : > "$work/cpu.$auth_pid"; : > "$work/cpu.$plain_pid"; : > "$work/cpu.$floor_pid"
    for round in $(seq "$rounds"); do
        if [ "$kind" = presigned ]; then
            a="$(rps "$auth_pid" "$url")"
            b="$(rps "$plain_pid" "${url/127.0.0.1:18181/127.0.0.1:18182}")"
            f="$(rps "$floor_pid" "${url/127.0.0.1:18181/127.0.0.1:18183}")"
        else
            mapfile -t headers < <(header_signed)
            a="$(rps "$auth_pid" "${headers[@]}" http://127.0.0.1:18181/items)"
            b="$(rps "$plain_pid" "${headers[@]}" http://127.0.0.1:18182/items)"
            f="$(rps "$floor_pid" "${headers[@]}" http://127.0.0.1:18183/items)"
        fi
        echo "$kind, round $round: with the layer $a, without $b requests/s ($(ratio "$a" "$b")), floor only $f ($(ratio "$f" "$b")); server CPU per request $(tail -n 1 "$work/cpu.$auth_pid") vs $(tail -n 1 "$work/cpu.$plain_pid") µs, floor only $(tail -n 1 "$work/cpu.$floor_pid") µs"
        echo "$a" >> "$work/with"; echo "$b" >> "$work/without"; echo "$f" >> "$work/floor"
    done
    with_layer="$(median < "$work/with")"
    without_layer="$(median < "$work/without")"
    floor_only="$(median < "$work/floor")"
    echo "$kind: with the layer $with_layer, without $without_layer requests/s (medians): ratio $(ratio "$with_layer" "$without_layer"); floor only $floor_only: ratio $(ratio "$floor_only" "$without_layer")"
    cpu_with="$(median < "$work/cpu.$auth_pid")"
    cpu_without="$(median < "$work/cpu.$plain_pid")"
    cpu_floor="$(median < "$work/cpu.$floor_pid")"
    cost() { awk -v a="$1" -v b="$cpu_without" 'BEGIN { printf "%.2f", a - b }'; }
    echo "$kind: server CPU per request $cpu_with µs with the layer, $cpu_without µs without, $cpu_floor µs floor only (medians): the layer costs $(cost "$cpu_with") µs per request there, the floor $(cost "$cpu_floor") µs"
done
