/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-plan: size a turnpike fleet from a call load and one server's
 * measured figures (tools/bench/relay-bench prints them).  The model is
 * plan_model.h; this file reads options and prints.
 *
 *   turnpike-plan --calls N --pps-per-core P --setups-per-s S
 *                 --bytes-per-alloc B [options] [--json]
 *
 * Exit status: 0; 1 if the load does not fit (more relays needed than
 * --relays gives, or more Redis ops/s than --redis-ops-per-s offers at the
 * headroom); 2 on bad options.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_model.h"

#define TOOL "turnpike-plan"

static const char usage_text[] =
	"usage: " TOOL " --calls N --pps-per-core P --setups-per-s S\n"
	"       --bytes-per-alloc B [options] [--json]\n"
	"\n"
	"the load:\n"
	"  --calls N            concurrent calls at the busy hour (required)\n"
	"  --call-rate N        new calls per second (default: calls / 120,\n"
	"                       i.e. two-minute calls)\n"
	"  --allocs-per-call N  TURN allocations a call holds (default 2)\n"
	"  --pps-per-alloc N    datagrams/s an allocation relays, both ways\n"
	"                       summed (default 100: 20 ms audio)\n"
	"  --packet-bytes N     mean payload bytes (default 160)\n"
	"  --local-fraction F   share of datagrams relayed between two\n"
	"                       allocations of one server (default 0)\n"
	"one server, as measured (tools/bench/relay-bench):\n"
	"  --pps-per-core N     relayed datagrams/s of one worker (required)\n"
	"  --setups-per-s N     allocation set-ups/s of the control core\n"
	"                       (required)\n"
	"  --bytes-per-alloc N  table memory per allocation (required)\n"
	"  --workers N          worker cores per server (default 1)\n"
	"  --nic-gbps N         NIC capacity each way (default 10)\n"
	"  --mem-gib N          memory for tables (default 16)\n"
	"  --headroom F         plan each resource up to F of it (default 0.7)\n"
	"the fleet and its shared Redis:\n"
	"  --relays N           relays in the fleet: check the load fits in N\n"
	"                       (default: as many as the load needs)\n"
	"  --redis-ops-per-s N  the fleet Redis' measured ops/s (default: no\n"
	"                       Redis in the plan); the options below need it\n"
	"  --redis-ops-per-setup N\n"
	"                       Redis round trips per allocation: quota\n"
	"                       acquire and release (default 2)\n"
	"  --fleet-lease S      the relays' fleet-lease, seconds: each\n"
	"                       refreshes it every S/3 s and reads the peers\n"
	"                       every second (default 5)\n"
	"  --setups-per-s-redis N\n"
	"                       set-ups/s of the control core with the fleet's\n"
	"                       Redis configured, measured (default: as\n"
	"                       --setups-per-s)\n";

/* True if @text is all one finite number. */
static bool
parse_number(const char *text, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(text, &end);
	return errno == 0 && end != text && *end == '\0' && isfinite(*v);
}

static void
bad_number(const char *opt, const char *text, const char *what)
{
	fprintf(stderr, TOOL ": --%s: '%s' is not %s\n", opt, text, what);
	exit(2);
}

static double
number(const char *opt, const char *text)
{
	double v;

	if (!parse_number(text, &v) || v < 0.0)
		bad_number(opt, text, "a number >= 0");
	return v;
}

/* A capacity or period: 0 is a mistake, not a default. */
static double
number_positive(const char *opt, const char *text)
{
	double v;

	if (!parse_number(text, &v) || v <= 0.0)
		bad_number(opt, text, "a number > 0");
	return v;
}

/* A count of things: a whole number >= 1. */
static double
number_count(const char *opt, const char *text)
{
	double v;

	if (!parse_number(text, &v) || v < 1.0 || v != floor(v) || v > 1e15)
		bad_number(opt, text, "a whole number >= 1");
	return v;
}

static void
print_text(const struct plan_load *l, const struct plan_server *s,
	   const struct plan_result *r)
{
	printf("load:    %.0f calls, %.0f allocations, %.0f datagrams/s "
	       "through workers, %.2f Gbit/s each way\n",
	       l->calls, r->allocations, r->passes_per_s, r->gbps);
	printf("server:  %.0f worker(s) at %.0f datagrams/s, %.0f set-ups/s, "
	       "%.0f B/allocation, %.0f Gbit/s NIC, %.0f GiB, headroom %.0f%%\n",
	       s->workers, s->pps_per_core, s->setups_per_s, s->bytes_per_alloc,
	       s->nic_gbps, s->mem_gib, s->headroom * 100.0);
	printf("needs:   %.1f worker cores\n", r->worker_cores);
	for (int i = PLAN_LIMIT_PACKETS; i <= PLAN_LIMIT_SERVER_LAST; i++)
		printf("  servers for %-8s %llu\n",
		       plan_limit_name((enum plan_limit)i),
		       (unsigned long long)r->servers_for[i]);
	if (r->limit == PLAN_LIMIT_REDIS)
		printf("fleet:   %llu server(s) by their own limits, but bound "
		       "by redis\n",
		       (unsigned long long)r->servers);
	else
		printf("fleet:   %llu server(s), bound by %s\n",
		       (unsigned long long)r->servers, plan_limit_name(r->limit));
}

static void
print_fleet(const struct plan_server *s, const struct plan_fleet *f,
	    const struct plan_result *r)
{
	if (f->redis_ops_per_s > 0.0) {
		printf("redis:   %.0f ops/s needed: %.0f for quotas (%g per "
		       "allocation), %.0f for the leases and peer reads of "
		       "%llu relays; %.0f usable of %.0f\n",
		       r->redis_ops_per_s,
		       r->redis_ops_per_s - r->redis_lease_ops_per_s,
		       f->redis_ops_per_setup, r->redis_lease_ops_per_s,
		       (unsigned long long)r->relays, r->redis_usable_ops_per_s,
		       f->redis_ops_per_s);
		if (s->setups_per_s_redis == 0.0)
			printf("  (set-ups/s measured without Redis: give "
			       "--setups-per-s-redis)\n");
	}
	if (f->relays > 0.0)
		printf("relays:  %llu given, %llu needed: %s\n",
		       (unsigned long long)r->relays,
		       (unsigned long long)r->servers,
		       r->servers <= r->relays ? "enough" : "too few");
	if (!r->fits)
		printf("does not fit: %s\n",
		       r->limit == PLAN_LIMIT_REDIS ?
			       "Redis is short whatever the relay count" :
			       "add relays");
}

static void
print_json(const struct plan_result *r)
{
	printf("{\"allocations\": %.0f, \"passes_per_s\": %.0f, "
	       "\"gbps\": %.3f, \"worker_cores\": %.2f, \"servers\": %llu, "
	       "\"limit\": \"%s\", \"relays\": %llu, \"fits\": %s, "
	       "\"redis_ops_per_s\": %.0f, \"redis_lease_ops_per_s\": %.1f, "
	       "\"redis_usable_ops_per_s\": %.0f, \"servers_for\": {",
	       r->allocations, r->passes_per_s, r->gbps, r->worker_cores,
	       (unsigned long long)r->servers, plan_limit_name(r->limit),
	       (unsigned long long)r->relays, r->fits ? "true" : "false",
	       r->redis_ops_per_s, r->redis_lease_ops_per_s,
	       r->redis_usable_ops_per_s);
	for (int i = PLAN_LIMIT_PACKETS; i <= PLAN_LIMIT_SERVER_LAST; i++)
		printf("%s\"%s\": %llu", i == 0 ? "" : ", ",
		       plan_limit_name((enum plan_limit)i),
		       (unsigned long long)r->servers_for[i]);
	printf("}}\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "calls", required_argument, NULL, 'c' },
		{ "call-rate", required_argument, NULL, 'r' },
		{ "allocs-per-call", required_argument, NULL, 'a' },
		{ "pps-per-alloc", required_argument, NULL, 'p' },
		{ "packet-bytes", required_argument, NULL, 'b' },
		{ "local-fraction", required_argument, NULL, 'l' },
		{ "pps-per-core", required_argument, NULL, 'P' },
		{ "setups-per-s", required_argument, NULL, 'S' },
		{ "bytes-per-alloc", required_argument, NULL, 'B' },
		{ "workers", required_argument, NULL, 'w' },
		{ "nic-gbps", required_argument, NULL, 'n' },
		{ "mem-gib", required_argument, NULL, 'm' },
		{ "headroom", required_argument, NULL, 'h' },
		{ "relays", required_argument, NULL, 'N' },
		{ "redis-ops-per-s", required_argument, NULL, 'O' },
		{ "redis-ops-per-setup", required_argument, NULL, 'o' },
		{ "fleet-lease", required_argument, NULL, 'L' },
		{ "setups-per-s-redis", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, '?' },
		{ NULL, 0, NULL, 0 },
	};
	struct plan_load load = { .call_attempts_s = -1,
				  .allocs_per_call = 2,
				  .pps_per_alloc = 100,
				  .bytes_per_packet = 160 };
	struct plan_server srv = { .workers = 1,
				   .nic_gbps = 10,
				   .mem_gib = 16,
				   .headroom = 0.7 };
	struct plan_fleet fleet = { .redis_ops_per_setup = 2, .lease_s = 5 };
	struct plan_result res;
	int c, json = 0, have = 0, redis_only = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *name = "";

		for (const struct option *o = opts; o->name != NULL; o++)
			if (o->val == c)
				name = o->name;
		/* clang-format off */
		switch (c) {
		case 'c': load.calls = number(name, optarg); have |= 1; break;
		case 'r': load.call_attempts_s = number(name, optarg); break;
		case 'a': load.allocs_per_call = number(name, optarg); break;
		case 'p': load.pps_per_alloc = number(name, optarg); break;
		case 'b': load.bytes_per_packet = number(name, optarg); break;
		case 'l': load.local_fraction = number(name, optarg); break;
		case 'P': srv.pps_per_core = number(name, optarg); have |= 2; break;
		case 'S': srv.setups_per_s = number(name, optarg); have |= 4; break;
		case 'B': srv.bytes_per_alloc = number(name, optarg); have |= 8; break;
		case 'w': srv.workers = number(name, optarg); break;
		case 'n': srv.nic_gbps = number(name, optarg); break;
		case 'm': srv.mem_gib = number(name, optarg); break;
		case 'h': srv.headroom = number(name, optarg); break;
		case 'N': fleet.relays = number_count(name, optarg); break;
		case 'O': fleet.redis_ops_per_s = number_positive(name, optarg); break;
		case 'o': fleet.redis_ops_per_setup = number(name, optarg); redis_only = c; break;
		case 'L': fleet.lease_s = number_positive(name, optarg); redis_only = c; break;
		case 's': srv.setups_per_s_redis = number_positive(name, optarg); redis_only = c; break;
		case 'j': json = 1; break;
		default: fputs(usage_text, stderr); return 2;
		}
		/* clang-format on */
	}
	if (optind != argc || have != 15) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (redis_only != 0 && fleet.redis_ops_per_s == 0.0) {
		for (const struct option *o = opts; o->name != NULL; o++)
			if (o->val == redis_only)
				fprintf(stderr,
					TOOL ": --%s describes the fleet's Redis: "
					     "give --redis-ops-per-s too\n",
					o->name);
		return 2;
	}
	if (load.call_attempts_s < 0)
		load.call_attempts_s = load.calls / 120.0;
	if (plan_compute(&load, &srv, &fleet, &res) != 0) {
		fprintf(stderr,
			TOOL ": a capacity is 0, --headroom is not in "
			     "(0, 1] or --local-fraction is not in [0, 1]\n");
		return 2;
	}
	if (json) {
		print_json(&res);
	} else {
		print_text(&load, &srv, &res);
		print_fleet(&srv, &fleet, &res);
	}
	return res.fits ? 0 : 1;
}
