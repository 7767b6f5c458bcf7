#!/bin/sh
# Runs every target for $1 seconds (default 600), two at a time, each in its own working
# corpus under fuzz/target/corpus/<target> seeded with the committed fuzz/corpus/<target>.
# Logs go to fuzz/target/logs/<target>.log; the last line of each says how many runs.
set -u
cd "$(dirname "$0")"
seconds=${1:-600}
mkdir -p target/logs
run() {
    mkdir -p "target/corpus/$1"
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$1" "target/corpus/$1" "corpus/$1" -- \
        -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
        > "target/logs/$1.log" 2>&1
    echo "$1: exit $?; $(grep -E '^Done|stat::number_of_executed_units' "target/logs/$1.log" | tr '\n' ' ')"
}
set -- authorization_header presigned_query canonical_request aws_chunked multipart_form \
    sign_then_verify mutate_then_verify
while [ $# -gt 0 ]; do
    run "$1" &
    if [ $# -gt 1 ]; then run "$2" & fi
    wait
    shift; [ $# -gt 0 ] && shift
done
