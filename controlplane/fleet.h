/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Many relays as one (fleet.c): the thread that talks to the fleet's
 * Redis (redis-userdb) for this relay, so that the control thread never
 * waits on Redis and the fast path never sees it.
 *
 *   control thread --requests--> fleet thread --commands--> Redis
 *        ^                           |   <---- pub/sub ----   |
 *        +-------- answers ----------+
 *
 * What it does:
 *  - Credentials.  It is the push pipeline's store (push_backend): a push
 *    to this relay is written to Redis in one MULTI/EXEC with its
 *    announcement on FLEET_CHANNEL (fleet_creds.h), and answered only
 *    once Redis has it.  Announcements from other relays are read back
 *    and handed to the control thread as changes (fleet_take()).  At
 *    start and after every reconnection it reads every pushed item again
 *    (SCAN), and tells the control thread which names exist, so what was
 *    deleted while this relay could not hear is deleted here too.
 *  - Quotas.  Each relay counts its own allocations per quota key in a
 *    Redis hash per key (field: the relay's instance id), and holds a
 *    lease: its field in turnpike/fleet/relays, a deadline on Redis's
 *    clock it refreshes every fleet-lease / 3.  An Allocate asks
 *    (FLEET_REQ_ACQUIRE); a Lua script sums the counts of relays whose
 *    lease is live, drops the fields of dead ones, and counts the new
 *    allocation only if every limit allows it: one round trip, atomic.
 *    A relay that dies stops counting when its lease ends.  One that
 *    loses Redis takes a new instance id when it comes back, and writes
 *    its true counts under it (a reconcile).
 *  - Load.  With the lease it publishes its load (allocations, whether
 *    draining, the address clients are sent to) and reads the others'
 *    once a second, for shedding (cp_fleet.h).
 *
 * Redis down or slow (a command takes over REDIS_LINK_CMD_TIMEOUT_MS):
 * acquires are answered FLEET_UNAVAILABLE at once (the control thread
 * counts locally), pushes get 503, and the links reconnect with back-off.
 */
#ifndef TURNPIKE_FLEET_H
#define TURNPIKE_FLEET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "push_op.h"
#include "redis_link.h"
#include "turn_alloc_table.h"
#include "turnpike/addr.h"

/** Quota keys one request may carry: person, OAuth kid, total. */
#define FLEET_QUOTA_KEYS 3
/** Most peers whose load is kept. */
#define FLEET_PEERS_MAX 64
/** Longest instance id ("<fleet-id>/<16 hex>.<epoch>"). */
#define FLEET_INSTANCE_MAX 96
/** Longest base id ("<fleet-id>/<16 hex>"). */
#define FLEET_BASE_ID_MAX 82

/** An acquire's answer. */
enum fleet_verdict {
	FLEET_GRANTED = 0, /**< counted fleet-wide */
	FLEET_DENIED = 1,  /**< a limit is reached (deny_key says which) */
	FLEET_UNAVAILABLE, /**< no Redis, or our lease is being renewed */
};

/** One relay's load as published. */
struct fleet_load {
	char id[FLEET_INSTANCE_MAX + 1];
	uint64_t allocations;
	/** Datagrams relayed per second (every direction, every worker),
	 *  and the busiest worker's part of them: 0 from a relay that does
	 *  not publish them. */
	uint64_t relayed_pps, busiest_worker_pps;
	bool draining;
	struct tp_addr addr4, addr6; /**< where clients go; port 0 = none */
};

enum fleet_req_kind {
	FLEET_REQ_ACQUIRE,  /**< count one allocation if under the limits */
	FLEET_REQ_HOLD,     /**< count one allocation, no check */
	FLEET_REQ_RELEASE,  /**< one allocation ended */
	FLEET_REQ_COUNT,    /**< reconcile: we hold `count` of key[0] */
	FLEET_REQ_SNAPSHOT, /**< reconcile: the counts above are all */
	FLEET_REQ_WRITE,    /**< write op (admin socket push); no answer */
};

/** From the control thread (cp_fleet.c). */
struct fleet_req {
	enum fleet_req_kind kind;
	uint32_t ticket; /**< ACQUIRE: echoed in the answer */
	uint8_t n_keys;
	char key[FLEET_QUOTA_KEYS][TURN_QUOTA_KEY_MAX + 1];
	uint32_t limit[FLEET_QUOTA_KEYS]; /**< 0 = count only */
	uint32_t count;                   /**< COUNT */
	struct push_op *op;               /**< WRITE: owned, freed after */
	struct fleet_req *next;
};

enum fleet_ans_kind {
	FLEET_ANS_QUOTA,    /**< an ACQUIRE's verdict */
	FLEET_ANS_CHANGE,   /**< apply op (another relay's push) */
	FLEET_ANS_SNAPSHOT, /**< send COUNTs and a SNAPSHOT (reconcile) */
	FLEET_ANS_NAMES,    /**< after a full read: the users that exist */
	FLEET_ANS_PEERS,    /**< the fleet's loads */
};

/** To the control thread. */
struct fleet_ans {
	enum fleet_ans_kind kind;
	uint32_t ticket;
	enum fleet_verdict verdict;
	uint8_t deny_key;   /**< DENIED: index into the request's keys */
	struct push_op *op; /**< CHANGE: owned by the receiver */
	/** NAMES: sorted, each malloc'd, the array too. */
	char **names;
	size_t n_names;
	/** PEERS */
	struct fleet_load peers[FLEET_PEERS_MAX];
	unsigned int n_peers;
	struct fleet_ans *next;
};

/** Counters, atomics: the control thread reads them for stats. */
struct fleet_counters {
	_Atomic uint64_t acquired, denied, unavailable, released;
	_Atomic uint64_t changes_in; /**< announcements applied */
	_Atomic uint64_t refused;    /**< garbage read from Redis */
	_Atomic uint64_t reconciles; /**< new instance ids */
	_Atomic uint64_t pushes, push_failed;
	_Atomic bool redis_up;
	_Atomic bool leased; /**< our lease is in force: acquires count */
};

struct fleet {
	/* Set before the thread starts, then read-only. */
	char realm[AUTH_LT_REALM_MAX + 1];
	char base_id[FLEET_BASE_ID_MAX + 1]; /**< fleet-id/random */
	uint32_t lease_ms;
	struct fleet_load self; /**< addresses; the rest the control thread's */

	struct redis_link cmd, sub;
	struct redis_link push; /**< the push pipeline's store thread's */
	char instance[FLEET_INSTANCE_MAX + 1]; /**< fleet thread's */
	uint32_t epoch;
	bool registered; /**< our lease is in force under `instance` */
	bool synced;     /**< credentials read since the last connect */
	uint64_t next_lease_ms, next_peers_ms;
	/* Secrets by id as last seen (a change needs the old bytes). */
	struct fleet_secret {
		char id[PUSH_NAME_MAX + 1];
		uint8_t bytes[AUTH_REST_SECRET_MAX];
		size_t len;
	} secrets[16];
	unsigned int n_secrets;

	pthread_mutex_t mu;
	struct fleet_req *reqs, **reqs_tail;
	/* The fleet thread's own: admin socket writes (acknowledged once
	 * queued) not yet in Redis, oldest first, run again once the link is
	 * back. */
	struct fleet_req *writes, **writes_tail;
	struct fleet_ans *answers, **answers_tail;
	_Atomic uint64_t load_allocations;
	_Atomic uint64_t load_relayed_pps, load_busiest_pps;
	_Atomic bool load_draining;
	int wake_fd; /**< eventfd: requests are waiting */
	pthread_t thread;
	bool running;
	_Atomic bool stopping;
	struct fleet_counters c;
};

/**
 * Start the fleet thread.  @p id: fleet-id ("" = the host name);
 * @p addr4, @p addr6: where other relays send clients to us (port 0 =
 * none of that family).  Connecting happens on the thread: a Redis that
 * is down at start is retried like one lost later.
 * @return 0 or -errno (with @p err).
 */
int fleet_start(struct fleet *f, const struct redis_conf *conf, const char *realm,
		const char *id, uint32_t lease_s, const struct tp_addr *addr4,
		const struct tp_addr *addr6, char *err, size_t err_len);

/** Stop and join the thread; free what waits.  Safe on a zeroed struct
 *  that was never started. */
void fleet_stop(struct fleet *f);

/** Control thread: queue @p req (malloc'd; the fleet thread frees it). */
void fleet_submit(struct fleet *f, struct fleet_req *req);

/** Control thread: take every answer waiting (a list; the caller frees
 *  each with fleet_ans_free()), NULL if none or the lock is busy. */
struct fleet_ans *fleet_take(struct fleet *f);

/** Free one answer (and what it owns). */
void fleet_ans_free(struct fleet_ans *a);

/** Control thread: this relay's load (@p l's allocations, relayed_pps,
 *  busiest_worker_pps and draining), published with the next lease. */
void fleet_set_load(struct fleet *f, const struct fleet_load *l);

/** The push pipeline's store when the fleet keeps pushes. */
struct push_backend fleet_push_backend(struct fleet *f);

#endif /* TURNPIKE_FLEET_H */
