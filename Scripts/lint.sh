#!/usr/bin/env bash
# The style check CI runs before the tests: no line of Swift longer than 120 columns (characters, not bytes),
# the limit .swift-format sets. Prints every offender as FILE:LINE: N columns, and fails if there is one.
#
#   Scripts/lint.sh                  every tracked Swift file (what CI runs)
#   Scripts/lint.sh FILE...          only these files
#   Scripts/lint.sh --format FILE... also `swift-format lint --strict` with .swift-format on these files
#                                    (advisory: the tree is not swift-format-clean yet, so CI does not run it)
set -euo pipefail
cd "$(dirname "$0")/.."

limit=120
format=false
if [ "${1:-}" = --format ]; then
    format=true
    shift
fi
if (($#)); then
    files=()
    for file in "$@"; do [ -f "$file" ] && files+=("$file"); done
else
    mapfile -t files < <(git ls-files '*.swift')
fi

# grep -P counts characters in a UTF-8 locale, so `→` is one column, as an editor shows it.
offenders=$(LC_ALL=C.UTF-8 grep -nHP "^.{$((limit + 1)),}" "${files[@]}" || true)
status=0
if [ -n "$offenders" ]; then
    while IFS= read -r line; do
        location=${line%%:*}
        rest=${line#*:}
        number=${rest%%:*}
        text=${rest#*:}
        echo "$location:$number: ${#text} columns (limit $limit)"
    done <<< "$offenders"
    echo "lint: $(wc -l <<< "$offenders") line(s) longer than $limit columns" >&2
    status=1
fi

if $format; then
    swift_format=$(command -v swift-format || echo /opt/swift/usr/bin/swift-format)
    "$swift_format" lint --strict --configuration .swift-format "${files[@]}" || status=1
fi
exit $status
