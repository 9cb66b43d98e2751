/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's allocation table (see dp_table.h for the layout).
 *
 * Runs on one worker only: creation happens on the main lcore before the
 * worker starts, and from then on only the owning worker reads or writes.
 * Nothing here allocates after dp_table_init(): the hash is preallocated by
 * rte_hash, and overflow blocks come from a free list built at start-up.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dp_table.h"

/* The layout dp_table.h promises: what a packet reads in line 0, what it
 * writes in line 1, the first permission and channel in line 2. */
_Static_assert(DP_PERM_INLINE == DP_CHAN_INLINE,
	       "inline permissions and channels go in pairs");
_Static_assert(offsetof(struct dp_alloc, usage) == 64,
	       "struct dp_alloc: line 0 overflows");
_Static_assert(offsetof(struct dp_alloc, inl) == 128,
	       "struct dp_alloc: line 1 overflows");

int
dp_table_init(struct dp_table *t, const char *name, uint32_t n_slots,
	      uint32_t n_blocks, uint16_t n_relay_ips, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n_slots < 8 ? 8 : n_slots,
		.key_len = sizeof(struct dp_five_tuple),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	memset(t, 0, sizeof(*t));
	t->n_slots = n_slots;
	t->n_blocks = n_blocks;
	t->n_relay_ips = n_relay_ips;
	t->allocs = rte_zmalloc_socket("dp_allocs",
				       sizeof(*t->allocs) * n_slots, 64, socket);
	t->by_relay = rte_zmalloc_socket("dp_by_relay",
					 sizeof(uint32_t) *
						 ((size_t)n_relay_ips << 16),
					 64, socket);
	t->blocks = n_blocks == 0 ?
			    NULL :
			    rte_zmalloc_socket("dp_blocks",
					       sizeof(*t->blocks) * n_blocks,
					       64, socket);
	t->by_client = rte_hash_create(&hp);
	if (t->allocs == NULL || t->by_relay == NULL || t->by_client == NULL ||
	    (n_blocks > 0 && t->blocks == NULL)) {
		dp_table_fini(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n_blocks; i++)
		t->blocks[i].next = i + 1 < n_blocks ? i + 1 : DP_NONE;
	t->free_block = n_blocks > 0 ? 0 : DP_NONE;
	return 0;
}

void
dp_table_fini(struct dp_table *t)
{
	rte_hash_free(t->by_client);
	rte_free(t->allocs);
	rte_free(t->by_relay);
	rte_free(t->blocks);
	memset(t, 0, sizeof(*t));
}

void
dp_five_tuple_make(struct dp_five_tuple *k, const struct tp_addr *client,
		   const struct tp_addr *server, uint8_t transport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->client_ip, client->ip.bytes, 16);
	memcpy(k->server_ip, server->ip.bytes, 16);
	k->client_port = client->port;
	k->server_port = server->port;
	k->family = client->ip.family;
	k->transport = transport;
}

int
dp_table_alloc_add(struct dp_table *t, const struct dp_cmd_alloc_add *add,
		   const struct dp_relay_ref relay[DP_ALLOC_RELAYS],
		   uint64_t expiry)
{
	struct dp_five_tuple key;
	struct dp_alloc *a;
	uint32_t ri[DP_ALLOC_RELAYS] = { 0 };

	if (add->ref.slot >= t->n_slots || relay[0].port == 0)
		return -EINVAL;
	a = &t->allocs[add->ref.slot];
	if (a->expiry != 0)
		return -EEXIST;
	for (unsigned int i = 0; i < DP_ALLOC_RELAYS; i++) {
		if (relay[i].port == 0)
			continue;
		if (relay[i].ip_idx >= t->n_relay_ips)
			return -EINVAL;
		ri[i] = (uint32_t)relay[i].ip_idx << 16 | relay[i].port;
		if (t->by_relay[ri[i]] != 0 || (i > 0 && ri[i] == ri[0]))
			return -EEXIST;
	}

	dp_five_tuple_make(&key, &add->client, &add->server, add->transport);
	if (rte_hash_add_key_data(t->by_client, &key,
				  (void *)(uintptr_t)add->ref.slot) != 0)
		return -ENOSPC;

	memset(a, 0, sizeof(*a));
	a->expiry = expiry;
	a->gen = add->ref.gen;
	a->blocks = DP_NONE;
	a->client = add->client;
	a->server = add->server;
	memcpy(a->relay, relay, sizeof(a->relay));
	if (add->transport == TP_TRANSPORT_UDP)
		memcpy(a->client_mac, add->client_mac, DP_MAC_LEN);
	else
		a->conn = add->conn;
	a->transport = add->transport;
	a->max_bps = add->max_bps;
	a->bucket[0].tokens = a->bucket[1].tokens = add->max_bps;
	for (unsigned int i = 0; i < DP_ALLOC_RELAYS; i++)
		if (relay[i].port != 0)
			t->by_relay[ri[i]] = add->ref.slot + 1;
	t->live++;
	return 0;
}

/* The by_relay entry of @r. */
static uint32_t *
relay_entry(struct dp_table *t, const struct dp_relay_ref *r)
{
	return &t->by_relay[(uint32_t)r->ip_idx << 16 | r->port];
}

int
dp_table_relay_del(struct dp_table *t, struct dp_alloc *a, unsigned int i)
{
	if (i >= DP_ALLOC_RELAYS || a->relay[1].port == 0)
		return -EINVAL;
	*relay_entry(t, &a->relay[i]) = 0;
	if (i == 0)
		a->relay[0] = a->relay[1];
	a->relay[1] = (struct dp_relay_ref){ 0, 0 };
	return 0;
}

struct dp_alloc *
dp_table_alloc_get(struct dp_table *t, const struct dp_alloc_ref *ref)
{
	struct dp_alloc *a;

	if (ref->slot >= t->n_slots)
		return NULL;
	a = &t->allocs[ref->slot];
	return a->expiry != 0 && a->gen == ref->gen ? a : NULL;
}

int
dp_table_alloc_del(struct dp_table *t, const struct dp_alloc_ref *ref,
		   struct dp_usage *usage)
{
	struct dp_five_tuple key;
	struct dp_alloc *a = dp_table_alloc_get(t, ref);
	uint32_t b;

	if (a == NULL)
		return -ENOENT;
	*usage = a->usage;
	dp_five_tuple_make(&key, &a->client, &a->server, a->transport);
	rte_hash_del_key(t->by_client, &key);
	for (unsigned int i = 0; i < DP_ALLOC_RELAYS; i++)
		if (a->relay[i].port != 0)
			*relay_entry(t, &a->relay[i]) = 0;
	/* Give the overflow chain back, last block first. */
	b = a->blocks;
	while (b != DP_NONE) {
		uint32_t next = t->blocks[b].next;

		t->blocks[b].next = t->free_block;
		t->free_block = b;
		b = next;
	}
	a->n_blocks = 0;
	memset(a, 0, sizeof(*a));
	t->live--;
	return 0;
}

struct dp_alloc *
dp_table_by_client(struct dp_table *t, const struct dp_five_tuple *k)
{
	void *data;

	if (rte_hash_lookup_data(t->by_client, k, &data) < 0)
		return NULL;
	return &t->allocs[(uint32_t)(uintptr_t)data];
}

void
dp_table_by_client_bulk(struct dp_table *t, const struct dp_five_tuple **keys,
			unsigned int n, struct dp_alloc **out)
{
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;

	RTE_ASSERT(n <= RTE_HASH_LOOKUP_BULK_MAX);
	if (n == 0 || rte_hash_lookup_bulk_data(t->by_client, (const void **)keys,
						n, &hits, data) < 0)
		hits = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct dp_alloc *a;

		if ((hits >> i & 1) == 0) {
			out[i] = NULL;
			continue;
		}
		a = &t->allocs[(uint32_t)(uintptr_t)data[i]];
		dp_alloc_prefetch(a);
		out[i] = a;
	}
}

/* Take a block from the pool and chain it at the head of @a's list. */
static struct dp_peer_block *
block_take(struct dp_table *t, struct dp_alloc *a)
{
	uint32_t b = t->free_block;
	struct dp_peer_block *blk;

	if (b == DP_NONE)
		return NULL;
	blk = &t->blocks[b];
	t->free_block = blk->next;
	memset(blk, 0, sizeof(*blk));
	blk->next = a->blocks;
	a->blocks = b;
	a->n_blocks++;
	return blk;
}

/* A new block for @a if its reservation and the pool allow, else NULL. */
static struct dp_peer_block *
block_take_within(struct dp_table *t, struct dp_alloc *a, uint8_t max_blocks)
{
	return a->n_blocks < max_blocks ? block_take(t, a) : NULL;
}

/*
 * Find the permission for @ip, or failing that a free or expired entry,
 * inline first and then along the overflow chain.
 */
static struct dp_perm *
perm_find(struct dp_table *t, struct dp_alloc *a, const struct tp_ip *ip,
	  uint64_t now, struct dp_perm **spare)
{
	*spare = NULL;
	for (int i = 0; i < DP_PEER_INLINE; i++) {
		struct dp_perm *p = &a->inl[i].perm;

		if (p->expiry > now && tp_ip_equal(&p->ip, ip))
			return p;
		if (p->expiry <= now && *spare == NULL)
			*spare = p;
	}
	for (uint32_t b = a->blocks; b != DP_NONE; b = t->blocks[b].next) {
		for (int i = 0; i < DP_PEER_BLOCK_PERMS; i++) {
			struct dp_perm *p = &t->blocks[b].perm[i];

			if (p->expiry > now && tp_ip_equal(&p->ip, ip))
				return p;
			if (p->expiry <= now && *spare == NULL)
				*spare = p;
		}
	}
	return NULL;
}

/* The permission of @a that expires first (all are live when called). */
static struct dp_perm *
perm_first_to_expire(struct dp_table *t, struct dp_alloc *a)
{
	struct dp_perm *first = &a->inl[0].perm;

	for (int i = 1; i < DP_PEER_INLINE; i++)
		if (a->inl[i].perm.expiry < first->expiry)
			first = &a->inl[i].perm;
	for (uint32_t b = a->blocks; b != DP_NONE; b = t->blocks[b].next)
		for (int i = 0; i < DP_PEER_BLOCK_PERMS; i++)
			if (t->blocks[b].perm[i].expiry < first->expiry)
				first = &t->blocks[b].perm[i];
	return first;
}

int
dp_table_perm_set(struct dp_table *t, struct dp_alloc *a, const struct tp_ip *ip,
		  uint64_t expiry, uint64_t now, uint8_t max_blocks)
{
	struct dp_perm *spare;
	struct dp_perm *p = perm_find(t, a, ip, now, &spare);

	int rc = 0;

	if (p == NULL) {
		if (spare == NULL) {
			struct dp_peer_block *blk =
				block_take_within(t, a, max_blocks);

			spare = blk != NULL ? &blk->perm[0] :
					      perm_first_to_expire(t, a);
			rc = blk != NULL ? 0 : 1;
		}
		p = spare;
		p->ip = *ip;
	}
	p->expiry = expiry;
	return rc;
}

bool
dp_alloc_permits(const struct dp_table *t, const struct dp_alloc *a,
		 const struct tp_ip *ip, uint64_t now)
{
	for (int i = 0; i < DP_PEER_INLINE; i++)
		if (a->inl[i].perm.expiry > now &&
		    tp_ip_equal(&a->inl[i].perm.ip, ip))
			return true;
	for (uint32_t b = a->blocks; b != DP_NONE; b = t->blocks[b].next)
		for (int i = 0; i < DP_PEER_BLOCK_PERMS; i++) {
			const struct dp_perm *p = &t->blocks[b].perm[i];

			if (p->expiry > now && tp_ip_equal(&p->ip, ip))
				return true;
		}
	return false;
}

/* Visit every channel entry of @a, inline then overflow; stop on non-NULL. */
#define DP_FOR_EACH_CHAN(t, a, c, body)                                    \
	do {                                                               \
		for (int i_ = 0; i_ < DP_PEER_INLINE; i_++) {              \
			c = &(a)->inl[i_].chan;                            \
			body                                               \
		}                                                          \
		for (uint32_t b_ = (a)->blocks; b_ != DP_NONE;             \
		     b_ = (t)->blocks[b_].next)                            \
			for (int i_ = 0; i_ < DP_PEER_BLOCK_CHANS; i_++) { \
				c = &(t)->blocks[b_].chan[i_];             \
				body                                       \
			}                                                  \
	} while (0)

const struct dp_chan *
dp_alloc_chan_by_number(const struct dp_table *t, const struct dp_alloc *a,
			uint16_t number, uint64_t now)
{
	const struct dp_chan *c;

	DP_FOR_EACH_CHAN(t, a, c, {
		if (c->number == number && c->expiry > now)
			return c;
	});
	return NULL;
}

const struct dp_chan *
dp_alloc_chan_by_peer(const struct dp_table *t, const struct dp_alloc *a,
		      const struct tp_addr *peer, uint64_t now)
{
	const struct dp_chan *c;

	DP_FOR_EACH_CHAN(t, a, c, {
		if (c->expiry > now && tp_addr_equal(&c->peer, peer))
			return c;
	});
	return NULL;
}

int
dp_table_chan_set(struct dp_table *t, struct dp_alloc *a, uint16_t number,
		  const struct tp_addr *peer, uint64_t expiry, uint64_t now,
		  uint8_t max_blocks)
{
	struct dp_chan *c, *spare = NULL, *first = NULL;
	int rc = 0;

	/* The control plane enforces the rebinding rules; here a number names
	 * at most one live entry, so refresh it in place if it exists. */
	DP_FOR_EACH_CHAN(t, a, c, {
		if (c->number == number && c->expiry > now) {
			c->peer = *peer;
			c->expiry = expiry;
			return 0;
		}
		if (c->expiry <= now && spare == NULL)
			spare = c;
		if (first == NULL || c->expiry < first->expiry)
			first = c;
	});
	if (spare == NULL) {
		struct dp_peer_block *blk = block_take_within(t, a, max_blocks);

		/* Over the reservation: the binding that expires first goes
		 * (see dp_table_perm_set()). */
		spare = blk != NULL ? &blk->chan[0] : first;
		rc = blk != NULL ? 0 : 1;
	}
	spare->number = number;
	spare->peer = *peer;
	spare->expiry = expiry;
	return rc;
}
