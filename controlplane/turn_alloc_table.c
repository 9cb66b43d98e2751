/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's allocation records and their indexes (see
 * turn_alloc_table.h).
 *
 * Runs on the control thread.  Owns every struct turn_alloc, turn_user and
 * turn_ended it creates, and the bucket arrays.  Quota groups are
 * turn_user records too, in an index of their own, so a user name and a
 * quota key never meet.  Records are malloc'ed one
 * by one: the control plane may allocate, and memory then follows the
 * number of live allocations rather than the configured maximum.
 *
 * All five indexes share one bucket count (a power of two sized from the
 * capacity) and one SipHash key.  Chains are singly linked; removal walks
 * the chain with a pointer to the previous link, which stays short because
 * the key is secret and the load factor at most about one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "turn_alloc_table.h"

#define TURN_TABLE_MIN_BUCKETS 64u
#define TURN_TABLE_MAX_BUCKETS (1u << 22)

/* Bytes of a transport address in a hash input: family, address, port. */
#define ADDR_KEY_LEN (1 + 16 + 2)

static size_t
addr_key(uint8_t *out, const struct tp_addr *a)
{
	out[0] = a->ip.family;
	memcpy(out + 1, a->ip.bytes, 16);
	out[17] = (uint8_t)(a->port >> 8);
	out[18] = (uint8_t)a->port;
	return ADDR_KEY_LEN;
}

static uint32_t
tuple_bucket(const struct turn_alloc_table *t, const struct tp_addr *client,
	     const struct tp_addr *local, uint8_t transport)
{
	uint8_t k[2 * ADDR_KEY_LEN + 1];
	size_t n = addr_key(k, client);

	n += addr_key(k + n, local);
	k[n++] = transport;
	return (uint32_t)tp_siphash(t->key, k, n) & t->mask;
}

static uint32_t
relay_bucket(const struct turn_alloc_table *t, const struct tp_addr *relay)
{
	uint8_t k[ADDR_KEY_LEN];

	return (uint32_t)tp_siphash(t->key, k, addr_key(k, relay)) & t->mask;
}

static uint32_t
user_bucket(const struct turn_alloc_table *t, const char *name, size_t len)
{
	return (uint32_t)tp_siphash(t->key, name, len) & t->mask;
}

/* One index of named records: users, or quota groups. */
struct rec_index {
	struct turn_user **buckets;
	uint32_t *count;
};

static struct rec_index
users_of(struct turn_alloc_table *t)
{
	return (struct rec_index){ t->users, &t->n_users };
}

static struct rec_index
quotas_of(struct turn_alloc_table *t)
{
	return (struct rec_index){ t->quotas, &t->n_quotas };
}

int
turn_alloc_table_init(struct turn_alloc_table *t, uint32_t capacity)
{
	uint32_t n = TURN_TABLE_MIN_BUCKETS;

	memset(t, 0, sizeof(*t));
	while (n < capacity && n < TURN_TABLE_MAX_BUCKETS)
		n <<= 1;
	if (RAND_bytes(t->key, sizeof(t->key)) != 1)
		return -EIO;
	t->mask = n - 1;
	t->by_tuple = calloc(n, sizeof(*t->by_tuple));
	t->by_relay = calloc(n, sizeof(*t->by_relay));
	t->users = calloc(n, sizeof(*t->users));
	t->quotas = calloc(n, sizeof(*t->quotas));
	t->ended = calloc(n, sizeof(*t->ended));
	if (t->by_tuple == NULL || t->by_relay == NULL || t->users == NULL ||
	    t->quotas == NULL || t->ended == NULL) {
		turn_alloc_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

static void
alloc_free(struct turn_alloc *a)
{
	if (a->perms != &a->perm0)
		free(a->perms);
	if (a->chans != &a->chan0)
		free(a->chans);
	OPENSSL_cleanse(&a->session, sizeof(a->session));
	free(a);
}

static void
recs_free(struct turn_user **buckets, uint32_t mask)
{
	for (uint32_t i = 0; buckets != NULL && i <= mask; i++)
		while (buckets[i] != NULL) {
			struct turn_user *u = buckets[i];

			buckets[i] = u->next;
			free(u);
		}
}

void
turn_alloc_table_fini(struct turn_alloc_table *t)
{
	while (t->all != NULL) {
		struct turn_alloc *a = t->all;

		t->all = a->next;
		alloc_free(a);
	}
	for (uint32_t i = 0; t->ended != NULL && i <= t->mask; i++)
		while (t->ended[i] != NULL) {
			struct turn_ended *e = t->ended[i];

			t->ended[i] = e->next;
			free(e);
		}
	recs_free(t->users, t->mask);
	recs_free(t->quotas, t->mask);
	free(t->by_tuple);
	free(t->by_relay);
	free(t->users);
	free(t->quotas);
	free(t->ended);
	OPENSSL_cleanse(t->key, sizeof(t->key));
	memset(t, 0, sizeof(*t));
}

struct turn_alloc *
turn_alloc_table_find(const struct turn_alloc_table *t,
		      const struct tp_addr *client, const struct tp_addr *local,
		      uint8_t transport)
{
	struct turn_alloc *a =
		t->by_tuple[tuple_bucket(t, client, local, transport)];

	while (a != NULL &&
	       !(tp_addr_equal(&a->client, client) &&
		 tp_addr_equal(&a->local, local) && a->transport == transport))
		a = a->next_tuple;
	return a;
}

struct turn_alloc *
turn_alloc_table_find_relay(const struct turn_alloc_table *t,
			    const struct tp_addr *relay)
{
	struct turn_alloc *a = t->by_relay[relay_bucket(t, relay)];

	while (a != NULL && !tp_addr_equal(&a->relay, relay))
		a = a->next_relay;
	return a;
}

static struct turn_user *
rec_find(const struct turn_alloc_table *t, struct turn_user *const *buckets,
	 const char *name, size_t len)
{
	struct turn_user *u = buckets[user_bucket(t, name, len)];

	while (u != NULL && !(u->len == len && memcmp(u->name, name, len) == 0))
		u = u->next;
	return u;
}

struct turn_user *
turn_alloc_table_user(const struct turn_alloc_table *t, const char *name,
		      size_t len)
{
	return rec_find(t, t->users, name, len);
}

struct turn_user *
turn_alloc_table_quota(const struct turn_alloc_table *t, const char *key,
		       size_t len)
{
	return rec_find(t, t->quotas, key, len);
}

/* Find or make the record and take a reference for one allocation. */
static struct turn_user *
rec_hold(struct turn_alloc_table *t, struct rec_index ix, const char *name,
	 size_t len)
{
	struct turn_user *u = rec_find(t, ix.buckets, name, len);
	uint32_t b;

	if (u == NULL) {
		u = calloc(1, sizeof(*u) + len + 1);
		if (u == NULL)
			return NULL;
		u->len = (uint16_t)len;
		memcpy(u->name, name, len);
		b = user_bucket(t, name, len);
		u->next = ix.buckets[b];
		ix.buckets[b] = u;
		(*ix.count)++;
	}
	u->refs++;
	u->n_allocs++;
	return u;
}

static void
rec_release(struct turn_alloc_table *t, struct rec_index ix, struct turn_user *u)
{
	struct turn_user **pp;

	if (--u->refs > 0)
		return;
	pp = &ix.buckets[user_bucket(t, u->name, u->len)];
	while (*pp != u)
		pp = &(*pp)->next;
	*pp = u->next;
	(*ix.count)--;
	free(u);
}

static struct turn_user *
user_hold(struct turn_alloc_table *t, const char *name, size_t len)
{
	return rec_hold(t, users_of(t), name, len);
}

static void
user_release(struct turn_alloc_table *t, struct turn_user *u)
{
	rec_release(t, users_of(t), u);
}

int
turn_alloc_table_quota_hold(struct turn_alloc_table *t, struct turn_alloc *a,
			    unsigned int which, const char *key, size_t len)
{
	if (which >= TURN_ALLOC_QUOTAS || a->quota[which] != NULL || len == 0 ||
	    len > TURN_QUOTA_KEY_MAX)
		return -EINVAL;
	a->quota[which] = rec_hold(t, quotas_of(t), key, len);
	return a->quota[which] == NULL ? -ENOMEM : 0;
}

/* An allocation that ends stops counting against its quotas at once. */
static void
quotas_release(struct turn_alloc_table *t, struct turn_alloc *a)
{
	for (unsigned int i = 0; i < TURN_ALLOC_QUOTAS; i++)
		if (a->quota[i] != NULL) {
			a->quota[i]->n_allocs--;
			rec_release(t, quotas_of(t), a->quota[i]);
			a->quota[i] = NULL;
		}
}

struct turn_alloc *
turn_alloc_table_insert(struct turn_alloc_table *t, const struct tp_addr *client,
			const struct tp_addr *local, uint8_t transport,
			const struct tp_addr *relay, const char *user,
			size_t user_len, uint64_t now_ms)
{
	struct turn_alloc *a;
	uint32_t b;

	if (user_len > TURN_USERNAME_MAX ||
	    turn_alloc_table_find(t, client, local, transport) != NULL ||
	    turn_alloc_table_find_relay(t, relay) != NULL)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->user = user_hold(t, user, user_len);
	if (a->user == NULL) {
		free(a);
		return NULL;
	}
	cp_timer_init(&a->timer);
	a->client = *client;
	a->local = *local;
	a->relay = *relay;
	a->transport = transport;
	a->start_ms = now_ms;
	b = tuple_bucket(t, client, local, transport);
	a->next_tuple = t->by_tuple[b];
	t->by_tuple[b] = a;
	b = relay_bucket(t, relay);
	a->next_relay = t->by_relay[b];
	t->by_relay[b] = a;
	a->next = t->all;
	if (t->all != NULL)
		t->all->prev = a;
	t->all = a;
	t->n_allocs++;
	if (transport < TP_TRANSPORT_COUNT)
		t->n_by_transport[transport]++;
	return a;
}

/* Take @a out of its relay address's chain. */
static void
relay_unlink(struct turn_alloc_table *t, struct turn_alloc *a)
{
	struct turn_alloc **pp = &t->by_relay[relay_bucket(t, &a->relay)];

	while (*pp != a)
		pp = &(*pp)->next_relay;
	*pp = a->next_relay;
}

int
turn_alloc_table_relay_del(struct turn_alloc_table *t, struct turn_alloc *a,
			   uint8_t family)
{
	uint32_t b;

	if (a->relay2.ip.family == TP_AF_NONE)
		return -EINVAL;
	if (a->relay2.ip.family == family) {
		memset(&a->relay2, 0, sizeof(a->relay2));
		return 0;
	}
	if (a->relay.ip.family != family)
		return -EINVAL;
	relay_unlink(t, a);
	a->relay = a->relay2;
	memset(&a->relay2, 0, sizeof(a->relay2));
	b = relay_bucket(t, &a->relay);
	a->next_relay = t->by_relay[b];
	t->by_relay[b] = a;
	return 0;
}

static void
alloc_unlink(struct turn_alloc_table *t, struct turn_alloc *a)
{
	struct turn_alloc **pp;

	pp = &t->by_tuple[tuple_bucket(t, &a->client, &a->local, a->transport)];
	while (*pp != a)
		pp = &(*pp)->next_tuple;
	*pp = a->next_tuple;
	relay_unlink(t, a);
	if (a->prev != NULL)
		a->prev->next = a->next;
	else
		t->all = a->next;
	if (a->next != NULL)
		a->next->prev = a->prev;
	t->n_allocs--;
	if (a->transport < TP_TRANSPORT_COUNT)
		t->n_by_transport[a->transport]--;
}

int
turn_alloc_table_remove(struct turn_alloc_table *t, struct turn_alloc *a,
			uint64_t now_ms, bool keep_ended)
{
	struct turn_ended *e = NULL;
	uint32_t b;

	alloc_unlink(t, a);
	quotas_release(t, a);
	a->user->n_allocs--;
	if (keep_ended)
		e = calloc(1, sizeof(*e));
	if (e != NULL) {
		e->ref = a->ref;
		e->owner = a->owner;
		e->user = a->user; /* the allocation's reference moves here */
		e->client = a->client;
		e->local = a->local;
		e->relay = a->relay;
		e->relay2 = a->relay2;
		e->transport = a->transport;
		e->id = a->id;
		e->start_ms = a->start_ms;
		e->end_ms = now_ms;
		b = a->ref.gen & t->mask;
		e->next = t->ended[b];
		t->ended[b] = e;
		t->n_ended++;
	} else {
		user_release(t, a->user);
	}
	alloc_free(a);
	return keep_ended && e == NULL ? -ENOMEM : 0;
}

struct turn_ended *
turn_alloc_table_take_ended(struct turn_alloc_table *t, uint16_t owner,
			    uint32_t gen)
{
	struct turn_ended **pp = &t->ended[gen & t->mask];
	struct turn_ended *e;

	while (*pp != NULL && !((*pp)->ref.gen == gen && (*pp)->owner == owner))
		pp = &(*pp)->next;
	e = *pp;
	if (e != NULL) {
		*pp = e->next;
		t->n_ended--;
	}
	return e;
}

void
turn_alloc_table_ended_free(struct turn_alloc_table *t, struct turn_ended *e)
{
	user_release(t, e->user);
	free(e);
}

bool
turn_alloc_user_is(const struct turn_alloc *a, const char *name, size_t len)
{
	return a->user->len == len && memcmp(a->user->name, name, len) == 0;
}

/*
 * Grow an array of @size-byte items from *cap to hold one more, up to max.
 * An empty array starts as the record's own one-item @first; the first
 * growth beyond it copies it to the heap.
 */
static int
array_grow(void **v, uint8_t *cap, size_t size, unsigned int max, void *first)
{
	unsigned int n = *cap * 2u < 2 ? 2 : *cap * 2u;
	void *p;

	if (*v == NULL) {
		*v = first;
		*cap = 1;
		return 0;
	}
	if (n > max)
		n = max;
	if (*v == first) {
		p = malloc(n * size);
		if (p != NULL)
			memcpy(p, first, (size_t)*cap * size);
	} else {
		p = realloc(*v, n * size);
	}
	if (p == NULL)
		return -ENOMEM;
	*v = p;
	*cap = (uint8_t)n;
	return 0;
}

struct turn_perm *
turn_alloc_perm_find(struct turn_alloc *a, const struct tp_ip *ip)
{
	for (unsigned int i = 0; i < a->n_perms; i++)
		if (tp_ip_equal(&a->perms[i].ip, ip))
			return &a->perms[i];
	return NULL;
}

int
turn_alloc_perm_set(struct turn_alloc *a, const struct tp_ip *ip,
		    uint64_t expiry_ms)
{
	struct turn_perm *p = turn_alloc_perm_find(a, ip);

	if (p == NULL) {
		if (a->n_perms >= TURN_PERMS_MAX)
			return -ENOSPC;
		if (a->n_perms == a->cap_perms &&
		    array_grow((void **)&a->perms, &a->cap_perms,
			       sizeof(*a->perms), TURN_PERMS_MAX, &a->perm0) != 0)
			return -ENOMEM;
		p = &a->perms[a->n_perms++];
		p->ip = *ip;
	}
	p->expiry_ms = expiry_ms;
	return 0;
}

struct turn_chan *
turn_alloc_chan_by_number(struct turn_alloc *a, uint16_t number)
{
	for (unsigned int i = 0; i < a->n_chans; i++)
		if (a->chans[i].number == number)
			return &a->chans[i];
	return NULL;
}

struct turn_chan *
turn_alloc_chan_by_peer(struct turn_alloc *a, const struct tp_addr *peer)
{
	for (unsigned int i = 0; i < a->n_chans; i++)
		if (tp_addr_equal(&a->chans[i].peer, peer))
			return &a->chans[i];
	return NULL;
}

uint32_t
turn_alloc_chans_bound(const struct turn_alloc *a)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < a->n_chans; i++)
		n += a->chans[i].bound;
	return n;
}

int
turn_alloc_chan_set(struct turn_alloc *a, uint16_t number,
		    const struct tp_addr *peer, uint64_t expiry_ms)
{
	struct turn_chan *c = turn_alloc_chan_by_number(a, number);

	if ((c == NULL || !c->bound) &&
	    turn_alloc_chans_bound(a) >= TURN_CHANS_MAX)
		return -ENOSPC;
	if (c == NULL) {
		if (a->n_chans >= TURN_CHAN_RECORDS_MAX)
			return -ENOSPC;
		if (a->n_chans == a->cap_chans &&
		    array_grow((void **)&a->chans, &a->cap_chans,
			       sizeof(*a->chans), TURN_CHAN_RECORDS_MAX,
			       &a->chan0) != 0)
			return -ENOMEM;
		c = &a->chans[a->n_chans++];
		c->number = number;
	}
	c->peer = *peer;
	c->bound = true;
	c->expiry_ms = expiry_ms;
	return 0;
}

void
turn_alloc_expire(struct turn_alloc *a, uint64_t now_ms, uint64_t *perms,
		  uint64_t *chans)
{
	for (unsigned int i = 0; i < a->n_perms;) {
		if (a->perms[i].expiry_ms > now_ms) {
			i++;
			continue;
		}
		a->perms[i] = a->perms[--a->n_perms];
		if (perms != NULL)
			(*perms)++;
	}
	for (unsigned int i = 0; i < a->n_chans;) {
		struct turn_chan *c = &a->chans[i];

		if (c->bound && c->expiry_ms <= now_ms) {
			c->bound = false;
			if (chans != NULL)
				(*chans)++;
		}
		if (!c->bound &&
		    c->expiry_ms + TURN_CHAN_QUARANTINE_MS <= now_ms) {
			*c = a->chans[--a->n_chans];
			continue;
		}
		i++;
	}
}

uint64_t
turn_alloc_next_due(const struct turn_alloc *a)
{
	uint64_t due = a->expiry_ms;

	for (unsigned int i = 0; i < a->n_perms; i++)
		if (a->perms[i].expiry_ms < due)
			due = a->perms[i].expiry_ms;
	for (unsigned int i = 0; i < a->n_chans; i++) {
		const struct turn_chan *c = &a->chans[i];
		uint64_t t = c->bound ? c->expiry_ms :
					c->expiry_ms + TURN_CHAN_QUARANTINE_MS;

		if (t < due)
			due = t;
	}
	return due;
}
