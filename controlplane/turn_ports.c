/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay port and table slot allocation per owner worker (see turn_ports.h).
 *
 * Runs on the control thread.  Owns, for each worker, one FIFO of free
 * relay addresses per family and one FIFO of free table slots, plus a
 * "taken" bitmap of each kind that catches a double free.
 *
 * A relay address is stored in a queue as one 32-bit word,
 * (relay IP index << 16) | port, so a queue of every port of every relay
 * IP (TURN_PORTS_MAX_IPS) for one worker stays a flat array.  Example, two workers, one IPv4 relay
 * IP, ports 50000-50005: worker 0 gets {50000, 50002, 50004} and worker 1
 * {50001, 50003, 50005}, each shuffled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "turn_ports.h"

/* Family index of a queue: 0 = IPv4, 1 = IPv6. */
#define TURN_PORTS_FAMILIES 2
/* Random words fetched from RAND_bytes at a time while shuffling. */
#define TURN_PORTS_RAND_BATCH 256

struct turn_fifo {
	uint32_t *v;
	uint32_t cap;
	uint32_t head;
	uint32_t n;
};

struct turn_ports {
	uint16_t n_workers;
	uint32_t slots;
	uint16_t min_port;
	uint16_t max_port;
	int n_ips;
	struct tp_ip ips[TURN_PORTS_MAX_IPS];
	struct turn_fifo *addrs; /* [n_workers * TURN_PORTS_FAMILIES] */
	struct turn_fifo *slotq; /* [n_workers] */
	uint8_t *addr_taken;     /* bit per (ip, port - min_port) */
	uint8_t *slot_taken;     /* bit per (worker, slot) */
};

static int
family_index(uint8_t family)
{
	return family == TP_AF_INET ? 0 : family == TP_AF_INET6 ? 1 : -1;
}

static inline bool
bit_get(const uint8_t *map, size_t i)
{
	return (map[i / 8] >> (i % 8)) & 1;
}

static inline void
bit_set(uint8_t *map, size_t i, bool on)
{
	if (on)
		map[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static int
fifo_init(struct turn_fifo *q, uint32_t cap)
{
	q->head = 0;
	q->n = 0;
	q->cap = cap;
	q->v = cap > 0 ? malloc((size_t)cap * sizeof(*q->v)) : NULL;
	return cap > 0 && q->v == NULL ? -ENOMEM : 0;
}

static inline uint32_t *
fifo_at(struct turn_fifo *q, uint32_t i)
{
	return &q->v[(q->head + i) % q->cap];
}

static void
fifo_push(struct turn_fifo *q, uint32_t x)
{
	/* Never full: a queue holds every value that can be pushed. */
	*fifo_at(q, q->n) = x;
	q->n++;
}

static uint32_t
fifo_pop(struct turn_fifo *q)
{
	uint32_t x = q->v[q->head];

	q->head = (q->head + 1) % q->cap;
	q->n--;
	return x;
}

/* Fisher-Yates with 64-bit CSPRNG draws (modulo bias < n / 2^64). */
static int
shuffle(uint32_t *v, uint32_t n)
{
	uint64_t rnd[TURN_PORTS_RAND_BATCH];
	unsigned int used = TURN_PORTS_RAND_BATCH;

	for (uint32_t i = n; i > 1; i--) {
		uint32_t j, t;

		if (used == TURN_PORTS_RAND_BATCH) {
			if (RAND_bytes((unsigned char *)rnd, sizeof(rnd)) != 1)
				return -EIO;
			used = 0;
		}
		j = (uint32_t)(rnd[used++] % i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
	return 0;
}

static bool
params_ok(uint16_t n_workers, uint32_t slots, const struct tp_ip *ips,
	  int n_ips, uint16_t min_port, uint16_t max_port)
{
	if (n_workers == 0 || slots == 0 || ips == NULL || n_ips < 1 ||
	    n_ips > TURN_PORTS_MAX_IPS || min_port == 0 || min_port > max_port)
		return false;
	for (int i = 0; i < n_ips; i++) {
		if (family_index(ips[i].family) < 0)
			return false;
		for (int k = 0; k < i; k++)
			if (tp_ip_equal(&ips[i], &ips[k]))
				return false;
	}
	return true;
}

/* Fill and shuffle the address queue of (owner, family index). */
static int
addr_queue_build(struct turn_ports *p, uint16_t owner, int fi)
{
	struct turn_fifo *q = &p->addrs[owner * TURN_PORTS_FAMILIES + fi];
	uint32_t cap = 0;
	int rc;

	for (int i = 0; i < p->n_ips; i++) {
		if (family_index(p->ips[i].family) != fi)
			continue;
		for (uint32_t port = p->min_port; port <= p->max_port; port++)
			if (port % p->n_workers == owner)
				cap++;
	}
	rc = fifo_init(q, cap);
	if (rc != 0)
		return rc;
	for (int i = 0; i < p->n_ips; i++) {
		if (family_index(p->ips[i].family) != fi)
			continue;
		for (uint32_t port = p->min_port; port <= p->max_port; port++)
			if (port % p->n_workers == owner)
				fifo_push(q, (uint32_t)i << 16 | port);
	}
	return shuffle(q->v, q->n);
}

static int
slot_queue_build(struct turn_ports *p, uint16_t owner)
{
	struct turn_fifo *q = &p->slotq[owner];
	int rc = fifo_init(q, p->slots);

	if (rc != 0)
		return rc;
	for (uint32_t s = 0; s < p->slots; s++)
		fifo_push(q, s);
	return 0;
}

struct turn_ports *
turn_ports_create(uint16_t n_workers, uint32_t slots_per_worker,
		  const struct tp_ip *ips, int n_ips, uint16_t min_port,
		  uint16_t max_port)
{
	size_t range = (size_t)max_port - min_port + 1;
	struct turn_ports *p;

	if (!params_ok(n_workers, slots_per_worker, ips, n_ips, min_port,
		       max_port))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->n_workers = n_workers;
	p->slots = slots_per_worker;
	p->min_port = min_port;
	p->max_port = max_port;
	p->n_ips = n_ips;
	memcpy(p->ips, ips, (size_t)n_ips * sizeof(*ips));
	p->addrs = calloc((size_t)n_workers * TURN_PORTS_FAMILIES,
			  sizeof(*p->addrs));
	p->slotq = calloc(n_workers, sizeof(*p->slotq));
	p->addr_taken = calloc(((size_t)n_ips * range + 7) / 8, 1);
	p->slot_taken = calloc(((size_t)n_workers * slots_per_worker + 7) / 8, 1);
	if (p->addrs == NULL || p->slotq == NULL || p->addr_taken == NULL ||
	    p->slot_taken == NULL)
		goto fail;
	for (uint16_t w = 0; w < n_workers; w++) {
		for (int fi = 0; fi < TURN_PORTS_FAMILIES; fi++)
			if (addr_queue_build(p, w, fi) != 0)
				goto fail;
		if (slot_queue_build(p, w) != 0)
			goto fail;
	}
	return p;
fail:
	turn_ports_destroy(p);
	return NULL;
}

void
turn_ports_destroy(struct turn_ports *p)
{
	if (p == NULL)
		return;
	if (p->addrs != NULL)
		for (size_t i = 0;
		     i < (size_t)p->n_workers * TURN_PORTS_FAMILIES; i++)
			free(p->addrs[i].v);
	if (p->slotq != NULL)
		for (uint16_t w = 0; w < p->n_workers; w++)
			free(p->slotq[w].v);
	free(p->addrs);
	free(p->slotq);
	free(p->addr_taken);
	free(p->slot_taken);
	free(p);
}

bool
turn_ports_has_family(const struct turn_ports *p, uint8_t family)
{
	for (int i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == family)
			return true;
	return false;
}

static size_t
addr_bit(const struct turn_ports *p, int ip_idx, uint16_t port)
{
	return (size_t)ip_idx * ((size_t)p->max_port - p->min_port + 1) +
	       (port - p->min_port);
}

/*
 * Move the first even port of @q to its head.  With an even number of
 * workers every port of an owner has the owner's parity, so the answer is
 * known without a scan.  @return true if the head is now even.
 */
static bool
fifo_front_even(const struct turn_ports *p, struct turn_fifo *q, uint16_t owner)
{
	if (p->n_workers % 2 == 0)
		return owner % 2 == 0;
	for (uint32_t i = 0; i < q->n; i++) {
		uint32_t *e = fifo_at(q, i);

		if ((*e & 1) == 0) {
			uint32_t t = *e;

			*e = *fifo_at(q, 0);
			*fifo_at(q, 0) = t;
			return true;
		}
	}
	return false;
}

int
turn_ports_take(struct turn_ports *p, uint16_t owner, uint8_t family, bool even,
		struct tp_addr *relay)
{
	int fi = family_index(family);
	struct turn_fifo *q;
	uint32_t e;

	if (fi < 0 || !turn_ports_has_family(p, family))
		return -EAFNOSUPPORT;
	if (owner >= p->n_workers)
		return -ENOSPC;
	q = &p->addrs[owner * TURN_PORTS_FAMILIES + fi];
	if (q->n == 0 || (even && !fifo_front_even(p, q, owner)))
		return -ENOSPC;
	e = fifo_pop(q);
	relay->ip = p->ips[e >> 16];
	relay->port = (uint16_t)e;
	bit_set(p->addr_taken, addr_bit(p, (int)(e >> 16), relay->port), true);
	return 0;
}

int
turn_ports_put(struct turn_ports *p, const struct tp_addr *relay)
{
	int fi = family_index(relay->ip.family);
	uint16_t owner;
	size_t bit;

	if (fi < 0 || relay->port < p->min_port || relay->port > p->max_port)
		return -EINVAL;
	for (int i = 0; i < p->n_ips; i++) {
		if (!tp_ip_equal(&p->ips[i], &relay->ip))
			continue;
		bit = addr_bit(p, i, relay->port);
		if (!bit_get(p->addr_taken, bit))
			return -EINVAL;
		bit_set(p->addr_taken, bit, false);
		owner = (uint16_t)(relay->port % p->n_workers);
		fifo_push(&p->addrs[owner * TURN_PORTS_FAMILIES + fi],
			  (uint32_t)i << 16 | relay->port);
		return 0;
	}
	return -EINVAL;
}

uint32_t
turn_ports_free_count(const struct turn_ports *p, uint16_t owner, uint8_t family)
{
	int fi = family_index(family);

	if (fi < 0 || owner >= p->n_workers)
		return 0;
	return p->addrs[owner * TURN_PORTS_FAMILIES + fi].n;
}

int
turn_ports_slot_take(struct turn_ports *p, uint16_t owner, uint32_t *slot)
{
	if (owner >= p->n_workers || p->slotq[owner].n == 0)
		return -ENOSPC;
	*slot = fifo_pop(&p->slotq[owner]);
	bit_set(p->slot_taken, (size_t)owner * p->slots + *slot, true);
	return 0;
}

int
turn_ports_slot_put(struct turn_ports *p, uint16_t owner, uint32_t slot)
{
	size_t bit = (size_t)owner * p->slots + slot;

	if (owner >= p->n_workers || slot >= p->slots ||
	    !bit_get(p->slot_taken, bit))
		return -EINVAL;
	bit_set(p->slot_taken, bit, false);
	fifo_push(&p->slotq[owner], slot);
	return 0;
}

uint32_t
turn_ports_slot_free_count(const struct turn_ports *p, uint16_t owner)
{
	return owner < p->n_workers ? p->slotq[owner].n : 0;
}
