#!/bin/bash
# One bounded fuzzing run of a libFuzzer target, as a test: its seed corpus, its dictionary,
# SECONDS of fuzzing, then libFuzzer's figures. A crash, a leak, a timeout or an out-of-memory
# fails the test and leaves the input in ARTIFACTS (replay it: TARGET FILE).
# Usage: run-fuzz.sh TARGET TARGETDIR SECONDS ARTIFACTS [LIBFUZZER-OPTIONS...]
set -uo pipefail
target=$1 dir=$2 seconds=$3 artifacts=$4
shift 4

name=$(basename "$target")
mkdir -p "$artifacts"
# New inputs go to a scratch corpus, never into the source tree; the seeds are read from it.
work=$(mktemp -d "${TMPDIR:-/tmp}/vnic-$name.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"

dict=()
[ -f "$dir/$(basename "$dir").dict" ] && dict=(-dict="$dir/$(basename "$dir").dict")

# stdout is closed (vnic's code prints nothing there); stderr stays open so that a failed
# property check says what it saw. One input may take at most 10 s and 2 GiB.
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -close_fd_mask=1 -max_len=65536 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$artifacts/$name-" "$@" "$work/corpus" "$dir/corpus" >"$work/log" 2>&1
status=$?
# The figures a reader wants first: executions, speed, coverage; the whole log on failure.
grep -E '^(stat::|Done |#[0-9]+.*(DONE|cov:))' "$work/log" | tail -n 12
if [ $status -ne 0 ]; then
    cat "$work/log"
    echo "$name: libFuzzer exited with status $status; the input is in $artifacts" >&2
    exit 1 # not 77, libFuzzer's default, which meson reads as a skipped test
fi
exit 0
