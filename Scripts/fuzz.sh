#!/usr/bin/env bash
# Builds the libFuzzer target and runs it for $1 seconds (default 60) on a seed
# corpus made from the conformance frames, plus anything it found before.
# A crash leaves its input in fuzz-artifacts/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

corpus=.build-fuzz-corpus
mkdir -p "$corpus" fuzz-artifacts
python3 Scripts/make-fuzz-seeds.py ../shared/kafka-conformance/cases.jsonl "$corpus"

# gold crashes linking the sanitizer runtimes; the toolchain ships lld.
(cd Fuzz && swift build -c release --product KafkaProtocolFuzzer \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld 2>&1 | tail -n 3)
fuzzer=Fuzz/.build/release/KafkaProtocolFuzzer

echo "fuzzing for ${seconds}s on $(ls "$corpus" | wc -l) seeds"
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=1048576 \
    -artifact_prefix=fuzz-artifacts/ -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
