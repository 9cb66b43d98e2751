/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The generator's counters and latency histograms, and the end-of-run
 * report (a human summary, or one JSON object with --json).
 *
 * Everything here is written by the generator's single lcore; the report
 * functions are pure (they print what they are given), so the unit tests
 * drive them without DPDK.
 */
#ifndef TURNPIKE_GEN_STATS_H
#define TURNPIKE_GEN_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "gen_hist.h"
#include "gen_session.h"

/** Counters: X(name, description). */
#define GEN_COUNTER_LIST(X)                                                    \
	X(rx_frames, "frames received")                                        \
	X(tx_frames, "frames the port accepted")                               \
	X(tx_full, "frames the port did not accept (freed, not counted sent)") \
	X(no_mbuf, "frames not built: mbuf pool empty")                        \
	X(arp_replied, "ARP requests for our clients and peers answered")      \
	X(arp_requests, "ARP requests sent to find the server")                \
	X(rx_not_ours, "frames for none of our addresses")                     \
	X(rx_malformed, "frames that do not parse as what they claim")         \
	X(to_peer_sent, "datagrams clients sent toward peers")                 \
	X(to_peer_received, "datagrams peers received from the relay")         \
	X(to_peer_bad, "datagrams at a peer with a wrong payload or source")   \
	X(to_client_sent, "datagrams peers sent back through the relay")       \
	X(to_client_received, "datagrams clients received from the relay")     \
	X(to_client_bad, "datagrams at a client with a wrong payload")         \
	X(to_client_channel, "datagrams clients received as ChannelData")      \
	X(to_client_data_ind, "datagrams clients received as Data indications")

enum gen_counter {
#define GEN_X_ENUM(name, desc) GEN_C_##name,
	GEN_COUNTER_LIST(GEN_X_ENUM)
#undef GEN_X_ENUM
	GEN_C__COUNT
};

/** Counters and histograms of one run (latencies in ns). */
struct gen_stats {
	uint64_t c[GEN_C__COUNT];
	struct gen_hist setup;     /**< first Allocate to usable */
	struct gen_hist to_peer;   /**< client send to peer receive */
	struct gen_hist to_client; /**< peer echo to client receive */
};

/** Name of a counter ("tx_full"). */
const char *gen_counter_name(enum gen_counter c);

/** One direction of relayed traffic, as reported. */
struct gen_dir_report {
	uint64_t sent;
	uint64_t received;
	int64_t lost; /**< sent - received (negative: duplicates) */
	double pps;   /**< received / duration */
	double p50_us, p99_us, p999_us;
};

/** One trial of a --search: one offered rate for --trial seconds, then a
 *  drain, with the relay's loss over both directions. */
struct gen_trial {
	uint64_t rate;   /**< client->peer packets/s asked for; 0 = flat out */
	uint32_t active; /**< allocations that carried it */
	double duration_s;    /**< sending time */
	double offered_pps;   /**< client->peer datagrams sent per second */
	uint64_t sent;        /**< datagrams into the relay, both directions */
	uint64_t received;    /**< datagrams out of it, both directions */
	uint64_t gen_dropped; /**< the generator's own: port refused, no mbuf */
	double loss;          /**< (sent - received + gen_dropped) / sent */
	double relayed_pps;   /**< received / duration_s */
	double p50_us, p99_us; /**< one-way, client to peer */
	bool pass;             /**< loss within --loss-max, rate offered */
};

#define GEN_TRIALS_MAX 32

/** An RFC 2544 style search: the highest offered rate with loss at most
 *  loss_max, by bisection between 0 and a top rate. */
struct gen_search_report {
	double loss_max;
	double trial_s;
	uint32_t call_pps; /**< calls mode: packets/s per allocation, else 0 */
	uint32_t n_trials;
	int best;    /**< highest passing trial, -1: none passed */
	int flat;    /**< the flat-out trial, -1: none */
	bool capped; /**< the top rate passed: the answer is at least it */
	struct gen_trial trial[GEN_TRIALS_MAX];
};

/** Everything the report prints. */
struct gen_report {
	uint32_t requested;   /**< --clients */
	uint32_t allocations; /**< usable after set-up */
	double setup_s;       /**< first Allocate to last success */
	double setup_per_s;
	double setup_p50_us, setup_p99_us;
	const uint32_t *failed; /**< [GEN_FAIL_CODE_MAX], may be NULL */
	const char *mode;       /**< "channel", "send", "mixed", "floor" */
	uint32_t size;          /**< payload bytes */
	uint64_t rate;          /**< --rate, 0 = flat out */
	double offered_pps;     /**< what clients actually sent per second */
	double duration_s;      /**< traffic phase */
	struct gen_dir_report to_peer;
	struct gen_dir_report to_client;
	const uint64_t *counters;      /**< [GEN_C__COUNT], may be NULL */
	const uint64_t *sess_counters; /**< [GEN_SC__COUNT], may be NULL */
	uint32_t size_max;             /**< largest payload (= size: fixed) */
	const struct gen_search_report *search; /**< --search, else NULL */
};

/** Fill a direction from its counts, histogram and the traffic duration. */
void gen_report_dir(struct gen_dir_report *d, uint64_t sent, uint64_t received,
		    const struct gen_hist *h, double duration_s);

/** Fill the set-up figures from the histogram and the set-up span. */
void gen_report_setup(struct gen_report *r, const struct gen_hist *setup,
		      double setup_s);

/** Print the report as one JSON object and a newline. */
void gen_report_json(const struct gen_report *r, FILE *out);

/** Print the report for people. */
void gen_report_human(const struct gen_report *r, FILE *out);

#endif /* TURNPIKE_GEN_STATS_H */
