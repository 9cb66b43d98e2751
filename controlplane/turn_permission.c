/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CreatePermission (RFC 8656 section 9.2): install or refresh a permission
 * for the IP address of each XOR-PEER-ADDRESS (the port is ignored).
 *
 * All or nothing: every address is checked before anything is installed,
 * so a request with one refused address changes nothing.
 *  - no allocation -> 437; another user's -> 441 (turn_req_alloc());
 *  - no XOR-PEER-ADDRESS, or a malformed one -> 400;
 *  - an address of a family the allocation has no relayed address of
 *    (one, or two for a dual allocation) -> 443
 *    (checked for every address before the policy);
 *  - an address the peer policy refuses -> 403 (peer_policy.h: loopback,
 *    private and other special ranges, operator lists);
 *  - more than TURN_PERMS_MAX permissions would result -> 508.
 *  - the owning worker's fast path has no overflow block left to hold
 *    them (turn_alloc_reserve_blocks()) -> 508.
 * Then one DP_CMD_PERM_SET per distinct address, lifetime perm_lifetime_s
 * (300 s, section 9), and the success response, on the owner's ring.
 *
 * Runs on the control thread, called by turn_dispatch.c.
 */
#include "turn_internal.h"

/* True if peers[i]'s IP appears earlier in the list. */
static bool
seen_before(const struct tp_addr *peers, int i)
{
	for (int k = 0; k < i; k++)
		if (tp_ip_equal(&peers[k].ip, &peers[i].ip))
			return true;
	return false;
}

/* @return 0 if every address may be installed, else the error code. */
static uint16_t
permission_check(const struct turn_req *r, struct turn_alloc *a,
		 const struct tp_addr *peers, int n)
{
	unsigned int fresh = 0;

	if (n > TURN_PERMS_MAX)
		return 508;
	for (int i = 0; i < n; i++)
		if (!turn_alloc_has_family(a, peers[i].ip.family))
			return 443;
	for (int i = 0; i < n; i++)
		if (!turn_peer_allowed(r->srv, &peers[i].ip))
			return 403;
	for (int i = 0; i < n; i++)
		if (turn_alloc_perm_find(a, &peers[i].ip) == NULL &&
		    !seen_before(peers, i))
			fresh++;
	if (a->n_perms + fresh > TURN_PERMS_MAX)
		return 508;
	/* The owner's fast path must have room for them all, or we would
	 * answer success for permissions that never work. */
	if (turn_alloc_reserve_blocks(r->srv, a, a->n_perms + fresh,
				      turn_alloc_chans_bound(a)) != 0)
		return 508;
	return 0;
}

/* Install one permission and tell the owner.  @return 0 or -errno. */
static int
permission_install(const struct turn_req *r, struct turn_alloc *a,
		   const struct tp_ip *ip)
{
	struct turn_server *srv = r->srv;
	struct dp_cmd cmd = { .type = DP_CMD_PERM_SET };
	uint32_t ms = srv->p.perm_lifetime_s * 1000u;
	bool existed = turn_alloc_perm_find(a, ip) != NULL;
	int rc = turn_alloc_perm_set(a, ip, r->now_ms + ms);

	if (rc != 0)
		return rc;
	cmd.u.perm.ref = a->ref;
	cmd.u.perm.peer = *ip;
	cmd.u.perm.lifetime_ms = ms;
	cmd.u.perm.max_blocks = a->dp_blocks;
	turn_server_cmd(srv, a->owner, &cmd);
	srv->stats.c[existed ? TURN_C_PERMS_REFRESHED : TURN_C_PERMS_CREATED]++;
	return 0;
}

void
turn_permission_handle(struct turn_req *r)
{
	struct tp_addr peers[TURN_PERMS_MAX + 1];
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;
	struct turn_alloc *a = turn_req_alloc(r);
	uint16_t code;
	int n;

	if (a == NULL)
		return;
	n = stun_msg_get_xor_peers(&r->msg, peers, TURN_PERMS_MAX + 1);
	code = n <= 0 ? 400 : permission_check(r, a, peers, n);
	for (int i = 0; code == 0 && i < n; i++)
		if (!seen_before(peers, i) &&
		    permission_install(r, a, &peers[i].ip) != 0)
			code = 500; /* out of memory: what is in stays in */
	if (code != 0) {
		turn_reply_error(r, code, a->owner);
		return;
	}
	turn_alloc_schedule(r->srv, a);
	turn_reply_start(r, &b, buf, sizeof(buf));
	turn_reply_send(r, &b, 0, a->owner);
}
