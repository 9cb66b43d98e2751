# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# gen-common.sh: shared by the turnpike-gen bench scripts (sourced).
#
#   gen_auth_conf KIND        turnpike config lines for credentials KIND
#                             (lt, rest, oauth, none)
#   gen_auth_args KIND        the matching turnpike-gen options
#   gen_compare JSON LOG      compare turnpike-gen's JSON report with the
#                             last "info stats" line of turnpike's LOG;
#                             prints both and returns 1 if they disagree
#   gen_parse_args SPEC "$@"  the script's command line, by a table (below)
#
# The credentials are fixed test values: these scripts only ever talk to a
# server they started themselves.

GEN_REALM=bench.turnpike.test
GEN_LT_USER=alice
GEN_LT_PASS=wonderland
GEN_REST_SECRET=bench-rest-secret
GEN_OAUTH_KID=bench
GEN_OAUTH_KEY=MTIzNDU2Nzg5MDEyMzQ1Ng==   # 16 bytes: A128GCM

gen_auth_conf() {
	echo "realm=$GEN_REALM"
	# Every generated client is the same person with the same credential:
	# no quota (turnpike's defaults would stop it at 64; coturn's are 0).
	echo "user-quota=0"
	echo "total-quota=0"
	case "$1" in
	lt) echo "lt-cred-mech"; echo "user=$GEN_LT_USER:$GEN_LT_PASS" ;;
	rest) echo "use-auth-secret"; echo "static-auth-secret=$GEN_REST_SECRET" ;;
	oauth) echo "oauth"; echo "oauth-key=$GEN_OAUTH_KID:$GEN_OAUTH_KEY:A128GCM"
	       echo "oauth-kid-quota=0" ;;
	none) echo "no-auth" ;;
	*) echo "gen-common: unknown auth '$1'" >&2; return 1 ;;
	esac
}

# turnpike's per-source-prefix limits off (issue 13): a generator sets up
# allocations from one network as fast as it can, which is what a bench
# measures and what those limits exist to refuse.  turnpike only.
gen_limits_off() {
	echo "request-rate-per-prefix=0"
	echo "challenge-rate-per-prefix=0"
}

gen_auth_args() {
	case "$1" in
	lt) echo "--auth lt --user $GEN_LT_USER --password $GEN_LT_PASS" ;;
	rest) echo "--auth rest --secret $GEN_REST_SECRET --user bench" ;;
	oauth) echo "--auth oauth --oauth-kid $GEN_OAUTH_KID --oauth-key $GEN_OAUTH_KEY" ;;
	none) echo "--auth none" ;;
	esac
}

gen_compare() {
	python3 - "$1" "$2" <<'PY'
import json, re, sys
rep = json.load(open(sys.argv[1]))
stats = [l for l in open(sys.argv[2]) if " info stats " in l]
if not stats:
    print("compare: no 'info stats' line in the server log"); sys.exit(1)
srv = dict(re.findall(r"(\w+)=(\d+)", stats[-1]))
ok = True
print("turnpike-gen: %d/%d allocations, set-up %.0f/s (p50 %.0f us, p99 %.0f us), "
      "failed %s" % (rep["allocations"], rep["requested"], rep["setup"]["per_s"],
                     rep["setup"]["p50_us"], rep["setup"]["p99_us"],
                     rep["setup"]["failed"] or "none"))
for d, key in (("to_peer", "relayed_to_peer"), ("to_client", "relayed_to_client")):
    g = rep[d]; s = int(srv.get(key, -1))
    # The relay counts what it relayed: at least what arrived, at most
    # what was sent (the rest was lost on one of the two legs).
    agree = g["received"] <= s <= g["sent"]
    ok &= agree
    print("  %-9s gen sent %d received %d lost %d, %.0f pkt/s, p50 %.1f us "
          "p99 %.1f us p99.9 %.1f us | turnpike %s=%d -> %s" % (
          d, g["sent"], g["received"], g["lost"], g["pps"], g["p50_us"],
          g["p99_us"], g["p999_us"], key, s, "agree" if agree else "DISAGREE"))
drops = [l for l in open(sys.argv[2]) if " info drops " in l]
print("  turnpike: %s" % stats[-1].split(" info ")[-1].strip())
if drops:
    print("  turnpike: %s" % drops[-1].split(" info ")[-1].strip())
sys.exit(0 if ok else 1)
PY
}

# gen_parse_args SPEC "$@": set the script's variables from its command
# line.  SPEC has one option a line, the option then what it sets:
#
#   --name  var         takes a value: var=VALUE
#   --name  var+        takes a value, may repeat: var+=(VALUE)
#   --name  var=WORD    takes none: var=WORD (WORD may be empty)
#   --      var         the arguments after it, untouched: var+=(ARGS)
#
# The defaults are the script's, set before the call.  -h/--help prints
# the usage (the script's header comment, line 2 to `set -`) and exits 0;
# an unknown option, a stray argument or a missing value says which, prints
# the usage on stderr and exits 2.  Values are taken as they come, even
# when they start with '-'; `--name=value` is not accepted.
gen_parse_args() {
	local _spec=$1 _opt _target _want
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		-h|--help) gen_usage; exit 0 ;;
		esac
		_target=
		while read -r _opt _want; do
			if [ "$_opt" = "$1" ]; then _target=$_want; break; fi
		done <<<"$_spec"
		if [ -z "$_target" ]; then
			case "$1" in
			-*) gen_usage_error "unknown option '$1'" ;;
			*) gen_usage_error "unexpected argument '$1'" ;;
			esac
		fi
		if [ "$1" = -- ]; then
			shift
			_gen_append "$_target" "$@"
			return 0
		fi
		case "$_target" in
		*=*) printf -v "${_target%%=*}" '%s' "${_target#*=}"; shift; continue ;;
		esac
		[ $# -ge 2 ] || gen_usage_error "$1 needs a value"
		case "$_target" in
		*+) _gen_append "${_target%+}" "$2" ;;
		*) printf -v "$_target" '%s' "$2" ;;
		esac
		shift 2
	done
}

# The usage: the script's header comment, without the "# ".
gen_usage() {
	sed -n '2,/^set -/p' "$0" | sed 's/^# \{0,1\}//;/^set -/d'
}

gen_usage_error() {
	local prog=${0##*/}
	echo "${prog%.sh}: $*" >&2
	gen_usage >&2
	exit 2
}

# _gen_append ARRAY WORD...: ARRAY+=(WORD...), ARRAY being a name.
_gen_append() { local -n _gen_arr=$1; shift; _gen_arr+=("$@"); }
