#!/usr/bin/env bash
# The second command of README.md: every test of the workspace, then one
# closing line with the totals of all test binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-browser.sh
# The browser tests skip (with a message) where Chromium is missing; here it
# was just installed, so a missing browser is a failure.
export TWEEN_REQUIRE_BROWSER=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
echo
echo "tests: $passed passed, $failed failed"
exit "$status"
