#!/usr/bin/env bash
# Check that every tracked C source and header is formatted as .clang-format
# says (clang-format 14).  With no argument: list the files clang-format
# would change, show the diff of the first few, and exit 1 if there are any.
# With --fix: rewrite those files in place.  CI runs the check.
#
#   tools/check-format.sh          check (exit 0 clean, 1 drift, 2 error)
#   tools/check-format.sh --fix    reformat in place
#
# Excluded: tests/fuzz/seeds/ and tests/data/ (fuzzer seeds and captured
# data, not code; today they hold no .c or .h, the exclusion keeps it so).
set -euo pipefail

DIFF_FILES=5    # files whose diff is shown
DIFF_LINES=40   # lines of diff shown per file

usage() {
	echo "usage: $0 [--fix]" >&2
	exit 2
}

fix=false
case $# in
0) ;;
1) [ "$1" = --fix ] || usage; fix=true ;;
*) usage ;;
esac

cd "$(dirname "$0")/.."
root=$PWD

# clang-format 14 is what the style was tuned for and what CI installs
# (Debian 12); another version may lay some lines out differently.
if command -v clang-format-14 >/dev/null 2>&1; then
	cf=clang-format-14
elif command -v clang-format >/dev/null 2>&1; then
	cf=clang-format
	if ! "$cf" --version | grep -q 'version 14\.'; then
		echo "check-format: warning: $("$cf" --version | head -n 1) is" \
			"not clang-format 14; its output may differ from CI's" >&2
	fi
else
	echo "check-format: clang-format not found; install clang-format 14" \
		"(Debian: apt-get install clang-format, or tools/install-deps.sh)" >&2
	exit 2
fi
if [ ! -f "$root/.clang-format" ]; then
	echo "check-format: $root/.clang-format is missing" >&2
	exit 2
fi
style="--style=file:$root/.clang-format"

files=()
while IFS= read -r -d '' f; do
	if [ -f "$f" ]; then  # skip files deleted but not yet staged
		files+=("$f")
	fi
done < <(git ls-files -z -- '*.c' '*.h' \
	':(exclude)tests/fuzz/seeds/*' ':(exclude)tests/data/*')
if [ "${#files[@]}" -eq 0 ]; then
	echo "check-format: no C files found (not a git checkout?)" >&2
	exit 2
fi

if $fix; then
	printf '%s\0' "${files[@]}" | xargs -0 "$cf" "$style" -i
	echo "check-format: formatted ${#files[@]} files"
	exit 0
fi

# Format copies in one clang-format run, then compare with the originals.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\0' "${files[@]}" | tar --null -T - -cf - | tar -xf - -C "$tmp"
(cd "$tmp" && printf '%s\0' "${files[@]}" | xargs -0 "$cf" "$style" -i)

changed=()
for f in "${files[@]}"; do
	cmp -s "$f" "$tmp/$f" || changed+=("$f")
done
if [ "${#changed[@]}" -eq 0 ]; then
	echo "check-format: ${#files[@]} files, all formatted"
	exit 0
fi

echo "check-format: ${#changed[@]} of ${#files[@]} files are not formatted:"
printf '  %s\n' "${changed[@]}"
n=0
for f in "${changed[@]}"; do
	[ "$n" -lt "$DIFF_FILES" ] || break
	n=$((n + 1))
	echo
	diff -u --label "a/$f" --label "b/$f" "$f" "$tmp/$f" |
		head -n "$DIFF_LINES" || true
done
if [ "${#changed[@]}" -gt "$DIFF_FILES" ]; then
	echo
	echo "(diffs of the other $((${#changed[@]} - DIFF_FILES)) files not shown)"
fi
echo
echo "check-format: run tools/check-format.sh --fix, or format them with $cf"
exit 1
