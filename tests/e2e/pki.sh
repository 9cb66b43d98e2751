# SPDX-License-Identifier: BSD-3-Clause
#
# A throw-away PKI for tests and benchmarks that need TLS certificates
# (test_push.sh, tools/bench/push-bench): ECDSA P-256, valid two days.
# Sourced; PKI must name a directory that exists.
#
#   pki_ca NAME                  a self-signed CA: $PKI/NAME.pem, .key
#   pki_cert NAME CA CN [EXT]    a certificate CA signs, with the
#                                openssl x509 extension line EXT

pki_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$PKI/$1.key" -out "$PKI/$1.pem" -days 2 \
		-subj "/CN=$1" 2>/dev/null
}

pki_cert() {
	local name=$1 ca=$2 cn=$3 ext=${4:-}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$PKI/$name.key" -out "$PKI/$name.csr" -subj "/CN=$cn" \
		2>/dev/null || return 1
	printf '%s\n' "$ext" >"$PKI/$name.ext"
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.pem" \
		-CAkey "$PKI/$ca.key" -CAcreateserial -days 2 \
		-extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null
}
