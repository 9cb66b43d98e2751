#!/usr/bin/env bash
# check-layers.sh: the include graph the README's Design section states.
#
#   tools/, tests/  ->  controlplane/, dataplane/  ->  include/
#
# include/ includes only include/; dataplane/ and controlplane/ include their
# own folder and include/, never each other; controlplane/ includes no DPDK
# header.  Prints every include that breaks a rule and exits 1 if any does.
set -euo pipefail
cd "$(dirname "$0")/.."

bad=0
# which folder a quoted include from folder $1 resolves to
resolve() {
	local from=$1 name=$2
	if [ -f "$from/$name" ]; then echo "$from"
	elif [ -f "include/$name" ]; then echo include
	else
		for d in controlplane dataplane tools tests; do
			[ -f "$d/$name" ] && { echo "$d"; return; }
		done
		echo unknown
	fi
}

for layer in include dataplane controlplane; do
	while IFS= read -r file; do
		dir=$(dirname "$file")
		while IFS= read -r line; do
			name=$(sed -E 's/^#include "([^"]+)".*/\1/' <<<"$line")
			to=$(resolve "$dir" "$name")
			case "$layer:$to" in
			include:include | dataplane:dataplane | dataplane:include | \
				controlplane:controlplane | controlplane:include) ;;
			*)
				echo "$file: includes \"$name\" from $to/ (the $layer layer may not)"
				bad=1
				;;
			esac
		done < <(grep -E '^#include "' "$file" || true)
		if [ "$layer" != dataplane ] &&
			grep -nE '^#include <(rte_|dpdk/)' "$file" >/dev/null; then
			echo "$file: includes a DPDK header (only dataplane/ may)"
			bad=1
		fi
	done < <(git ls-files "$layer/*.c" "$layer/*.h")
done
if [ "$bad" -ne 0 ]; then
	echo "check-layers: the include graph breaks the README's layering" >&2
	exit 1
fi
echo "check-layers: include graph OK (tools/tests -> controlplane, dataplane -> include)"
