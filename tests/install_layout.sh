#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# `meson install` into a staging directory, then check what an operator
# gets: the programs, the configuration's and the environment file's
# examples, the XDP program where the installed server looks for it, and
# the systemd unit, whose ExecStart runs the installed binary with the
# installed configuration's path and which `systemd-analyze verify` accepts
# without a word (it exits 0 even on unknown keys, so any output fails).
# Nothing else may be installed.
#
# Usage: install_layout.sh MESON BUILD_DIR BINDIR SYSCONFDIR UNITDIR XDP_OBJ
#            PROGRAM...
#   BINDIR, SYSCONFDIR, UNITDIR, XDP_OBJ: absolute install paths; UNITDIR
#   and XDP_OBJ '' when not built (no DPDK; no clang or libbpf).
# Exit: 0 all passed, 1 a failure.
set -u
[ $# -ge 7 ] || { echo "usage: $0 MESON BUILD BINDIR SYSCONFDIR UNITDIR XDP_OBJ PROGRAM..." >&2; exit 2; }
meson=$1 build=$2 bindir=$3 sysconfdir=$4 unitdir=$5 xdp_obj=$6
shift 6
programs=("$@")
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }

# Outside the build tree: an installed turnpike in the build tree would
# take the build tree's XDP object (dp_xdp_prog_path()).
stage=$(mktemp -d /tmp/turnpike-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
if "$meson" install -C "$build" --destdir "$stage" --no-rebuild --quiet \
	>"$stage.log" 2>&1; then
	ok "meson install --destdir $stage"
	rm -f "$stage.log"
else
	bad "meson install failed:"
	sed 's/^/    /' "$stage.log"
	rm -f "$stage.log"
	echo "$passed passed, $failed failed"
	exit 1
fi

expected=()
for p in "${programs[@]}"; do
	expected+=("$bindir/$p")
	if [ -x "$stage$bindir/$p" ] && [ -f "$stage$bindir/$p" ]; then
		ok "program $bindir/$p"
	else
		bad "program $bindir/$p missing or not executable"
	fi
done

conf=$sysconfdir/turnpike/turnpike.conf.example
expected+=("$conf")
if cmp -s "$stage$conf" "$src/tools/turnpike.conf.example"; then
	ok "configuration example $conf"
else
	bad "configuration example $conf missing or not the source's"
fi

if [ -n "$xdp_obj" ]; then
	expected+=("$xdp_obj")
	if [ -f "$stage$xdp_obj" ]; then
		ok "XDP program $xdp_obj"
	else
		bad "XDP program $xdp_obj missing"
	fi
	# The installed binary names the installed object (not the build
	# tree's): it runs from the staging directory, outside the build.
	where=$("$stage$bindir/turnpike" --xdp-prog-path 2>/dev/null)
	if [ "$where" = "$xdp_obj" ]; then
		ok "installed turnpike --xdp-prog-path: $where"
	else
		bad "installed turnpike --xdp-prog-path: '$where', want '$xdp_obj'"
	fi
fi

if [ -n "$unitdir" ]; then
	unit=$unitdir/turnpike.service
	env=$sysconfdir/turnpike/turnpike.env.example
	expected+=("$unit" "$env")
	if [ -f "$stage$env" ]; then ok "environment file example $env"; else bad "no $env"; fi
	if [ -f "$stage$unit" ]; then
		ok "unit $unit"
		exec_start=$(sed -n 's/^ExecStart=//p' "$stage$unit")
		want="$bindir/turnpike \$TURNPIKE_EAL_ARGS -- -c $sysconfdir/turnpike/turnpike.conf \$TURNPIKE_ARGS"
		if [ "$exec_start" = "$want" ]; then
			ok "ExecStart=$exec_start"
		else
			bad "ExecStart='$exec_start', want '$want'"
		fi
		if grep -qx 'Type=notify' "$stage$unit" &&
			grep -qx 'EnvironmentFile=-/etc/default/turnpike' "$stage$unit" &&
			grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$stage$unit" &&
			grep -qx 'LimitMEMLOCK=infinity' "$stage$unit"; then
			ok "unit: Type=notify, EnvironmentFile, ExecReload, LimitMEMLOCK"
		else
			bad "unit: a required line is missing"
		fi
		if grep -n '@[a-z_]*@' "$stage$unit"; then
			bad "unit: placeholders left unfilled"
		else
			ok "unit: every @placeholder@ filled"
		fi
		# verify checks that each Exec program exists, at its absolute
		# path: point them into the staging directory, change nothing
		# else.  A unit file, not a running systemd, is what it reads.
		if command -v systemd-analyze >/dev/null 2>&1; then
			mkdir -p "$stage/verify"
			sed "s|$bindir/|$stage$bindir/|g" "$stage$unit" \
				>"$stage/verify/turnpike.service"
			out=$(systemd-analyze verify "$stage/verify/turnpike.service" 2>&1)
			rc=$?
			if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
				ok "systemd-analyze verify: no complaint"
			else
				bad "systemd-analyze verify (rc $rc):"
				printf '%s\n' "$out" | sed 's/^/    /'
			fi
			rm -rf "$stage/verify"
		else
			echo "skip systemd-analyze verify: no systemd-analyze"
		fi
	else
		bad "no unit at $unit"
	fi
fi

# Nothing installed that nobody listed (a test program, a build helper).
extra=$(cd "$stage" && find . -type f -o -type l | sed 's|^\.||' | sort |
	while read -r f; do
		case " ${expected[*]} " in *" $f "*) ;; *) echo "$f" ;; esac
	done)
if [ -z "$extra" ]; then
	ok "nothing else installed (${#expected[@]} files)"
else
	bad "installed but not expected:"
	printf '%s\n' "$extra" | sed 's/^/    /'
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
