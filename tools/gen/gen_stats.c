/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The end-of-run report: figures derived from the counters and histograms,
 * printed for people or as one JSON object.  Pure code, run once by the
 * generator's main lcore at the end (and by the unit tests).  Owns nothing.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gen_stats.h"
#include "turnpike/xlist.h"

static const char *const counter_names[] = { GEN_COUNTER_LIST(TP_XLIST_NAME) };

const char *
gen_counter_name(enum gen_counter c)
{
	return TP_XLIST_LOOKUP(counter_names, c);
}

static double
ns_to_us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

void
gen_report_dir(struct gen_dir_report *d, uint64_t sent, uint64_t received,
	       const struct gen_hist *h, double duration_s)
{
	d->sent = sent;
	d->received = received;
	d->lost = (int64_t)(sent - received);
	d->pps = duration_s > 0 ? (double)received / duration_s : 0;
	d->p50_us = ns_to_us(gen_hist_percentile(h, 50));
	d->p99_us = ns_to_us(gen_hist_percentile(h, 99));
	d->p999_us = ns_to_us(gen_hist_percentile(h, 99.9));
}

void
gen_report_setup(struct gen_report *r, const struct gen_hist *setup,
		 double setup_s)
{
	r->setup_s = setup_s;
	r->setup_per_s = setup_s > 0 ? (double)setup->count / setup_s : 0;
	r->setup_p50_us = ns_to_us(gen_hist_percentile(setup, 50));
	r->setup_p99_us = ns_to_us(gen_hist_percentile(setup, 99));
}

/* The name a failure reason has in the report: a STUN code or a word. */
static const char *
fail_name(unsigned int code, char *buf, size_t cap)
{
	if (code == GEN_FAIL_TIMEOUT)
		return "timeout";
	if (code == GEN_FAIL_PROTOCOL)
		return "protocol";
	snprintf(buf, cap, "%u", code);
	return buf;
}

static void
json_dir(FILE *out, const char *name, const struct gen_dir_report *d)
{
	fprintf(out,
		"\"%s\":{\"sent\":%" PRIu64 ",\"received\":%" PRIu64
		",\"lost\":%" PRId64 ",\"pps\":%.1f,\"p50_us\":%.2f,"
		"\"p99_us\":%.2f,\"p999_us\":%.2f}",
		name, d->sent, d->received, d->lost, d->pps, d->p50_us,
		d->p99_us, d->p999_us);
}

static void
json_trial(FILE *out, const struct gen_trial *t)
{
	fprintf(out,
		"{\"rate\":%" PRIu64 ",\"active\":%u,\"duration_s\":%.3f,"
		"\"offered_pps\":%.1f,\"sent\":%" PRIu64
		",\"received\":%" PRIu64 ",\"gen_dropped\":%" PRIu64
		",\"loss\":%.8f,\"relayed_pps\":%.1f,\"p50_us\":%.2f,"
		"\"p99_us\":%.2f,\"pass\":%s}",
		t->rate, t->active, t->duration_s, t->offered_pps, t->sent,
		t->received, t->gen_dropped, t->loss, t->relayed_pps, t->p50_us,
		t->p99_us, t->pass ? "true" : "false");
}

/* "search": the trials in order, then the answer (null if none passed). */
static void
json_search(FILE *out, const struct gen_search_report *s)
{
	fprintf(out,
		",\"search\":{\"loss_max\":%.8f,\"trial_s\":%.3f,"
		"\"call_pps\":%u,\"capped\":%s,\"trials\":[",
		s->loss_max, s->trial_s, s->call_pps,
		s->capped ? "true" : "false");
	for (uint32_t i = 0; i < s->n_trials; i++) {
		if (i > 0)
			fputc(',', out);
		json_trial(out, &s->trial[i]);
	}
	fprintf(out, "],\"zero_loss\":");
	if (s->best >= 0)
		json_trial(out, &s->trial[s->best]);
	else
		fprintf(out, "null");
	fprintf(out, ",\"flat_out\":");
	if (s->flat >= 0)
		json_trial(out, &s->trial[s->flat]);
	else
		fprintf(out, "null");
	fputc('}', out);
}

void
gen_report_json(const struct gen_report *r, FILE *out)
{
	char buf[16];
	int n = 0;

	fprintf(out, "{\"allocations\":%u,\"requested\":%u,", r->allocations,
		r->requested);
	fprintf(out,
		"\"setup\":{\"per_s\":%.1f,\"seconds\":%.3f,\"p50_us\":%.1f,"
		"\"p99_us\":%.1f,\"failed\":{",
		r->setup_per_s, r->setup_s, r->setup_p50_us, r->setup_p99_us);
	for (unsigned int i = 0; r->failed != NULL && i < GEN_FAIL_CODE_MAX; i++)
		if (r->failed[i] != 0)
			fprintf(out, "%s\"%s\":%u", n++ ? "," : "",
				fail_name(i, buf, sizeof(buf)), r->failed[i]);
	fprintf(out,
		"}},\"mode\":\"%s\",\"size\":%u,\"size_max\":%u,"
		"\"rate\":%" PRIu64 ",\"offered_pps\":%.1f,",
		r->mode, r->size, r->size_max > r->size ? r->size_max : r->size,
		r->rate, r->offered_pps);
	json_dir(out, "to_peer", &r->to_peer);
	fputc(',', out);
	json_dir(out, "to_client", &r->to_client);
	fprintf(out, ",\"duration_s\":%.3f", r->duration_s);
	if (r->counters != NULL) {
		fprintf(out, ",\"counters\":{");
		for (int i = 0; i < GEN_C__COUNT; i++)
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
				gen_counter_name((enum gen_counter)i),
				r->counters[i]);
		fputc('}', out);
	}
	if (r->sess_counters != NULL) {
		fprintf(out, ",\"sessions\":{");
		for (int i = 0; i < GEN_SC__COUNT; i++)
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
				gen_sess_counter_name((enum gen_sess_counter)i),
				r->sess_counters[i]);
		fputc('}', out);
	}
	if (r->search != NULL)
		json_search(out, r->search);
	fprintf(out, "}\n");
}

static void
human_search(FILE *out, const struct gen_search_report *s)
{
	fprintf(out, "  search: loss at most %.6f%% over %.1f s trials\n",
		100.0 * s->loss_max, s->trial_s);
	for (uint32_t i = 0; i < s->n_trials; i++) {
		const struct gen_trial *t = &s->trial[i];

		fprintf(out,
			"    trial %2u: rate %9" PRIu64 "/s on %u allocations, "
			"offered %.0f/s, relayed %.0f/s, loss %.6f%% %s\n",
			i + 1, t->rate, t->active, t->offered_pps, t->relayed_pps,
			100.0 * t->loss, t->pass ? "pass" : "FAIL");
	}
	if (s->best < 0)
		fprintf(out, "  zero-loss: no rate passed\n");
	else
		fprintf(out,
			"  zero-loss: %.0f relayed pkt/s (rate %" PRIu64
			"/s%s)%s\n",
			s->trial[s->best].relayed_pps, s->trial[s->best].rate,
			s->call_pps ? ", calls" : "",
			s->capped ? ", the top of the search: at least this" :
				    "");
	if (s->call_pps != 0 && s->best >= 0)
		fprintf(out, "  calls at zero loss: %u (%u pkt/s each way)\n",
			s->trial[s->best].active, s->call_pps);
}

static void
human_dir(FILE *out, const char *name, const struct gen_dir_report *d)
{
	double loss = d->sent > 0 ? 100.0 * (double)d->lost / (double)d->sent : 0;

	fprintf(out,
		"  %-10s sent %" PRIu64 ", received %" PRIu64 ", lost %" PRId64
		" (%.3f%%), %.0f pkt/s; latency p50 %.1f us, p99 %.1f us, "
		"p99.9 %.1f us\n",
		name, d->sent, d->received, d->lost, loss, d->pps, d->p50_us,
		d->p99_us, d->p999_us);
}

void
gen_report_human(const struct gen_report *r, FILE *out)
{
	bool floor = strcmp(r->mode, "floor") == 0;
	char buf[32];

	if (floor)
		fprintf(out,
			"turnpike-gen: floor (no TURN): %u flows straight to "
			"the reflector\n",
			r->requested);
	else
		fprintf(out,
			"turnpike-gen: %u of %u allocations usable; set-up "
			"%.3f s, %.0f allocations/s, latency p50 %.0f us, p99 "
			"%.0f us\n",
			r->allocations, r->requested, r->setup_s,
			r->setup_per_s, r->setup_p50_us, r->setup_p99_us);
	for (unsigned int i = 0; r->failed != NULL && i < GEN_FAIL_CODE_MAX; i++)
		if (r->failed[i] != 0)
			fprintf(out, "  set-up failed: %s x %u\n",
				fail_name(i, buf, sizeof(buf)), r->failed[i]);
	if (r->rate == 0)
		snprintf(buf, sizeof(buf), "flat out");
	else
		snprintf(buf, sizeof(buf), "%" PRIu64 "/s", r->rate);
	fprintf(out,
		"  traffic: %s, %u-byte payloads, rate %s, offered %.0f "
		"pkt/s for %.3f s\n",
		r->mode, r->size, buf, r->offered_pps, r->duration_s);
	human_dir(out, floor ? "reflected" : "to peer", &r->to_peer);
	if (!floor)
		human_dir(out, "to client", &r->to_client);
	if (r->counters != NULL)
		for (int i = 0; i < GEN_C__COUNT; i++)
			if (r->counters[i] != 0)
				fprintf(out, "    %-20s %" PRIu64 "\n",
					gen_counter_name((enum gen_counter)i),
					r->counters[i]);
	if (r->sess_counters != NULL)
		for (int i = 0; i < GEN_SC__COUNT; i++)
			if (r->sess_counters[i] != 0)
				fprintf(out, "    %-20s %" PRIu64 "\n",
					gen_sess_counter_name((enum gen_sess_counter)
								      i),
					r->sess_counters[i]);
	if (r->search != NULL)
		human_search(out, r->search);
}
