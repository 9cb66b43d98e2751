/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporters' snapshot exchange (see cp_snapshot.h): two buffers, a
 * swap under a mutex.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_snapshot.h"

void
cp_hist_add(struct cp_hist *h, uint64_t ns)
{
	static const double bounds[CP_HIST_BUCKETS] = CP_HIST_BOUNDS;
	double s = (double)ns / 1e9;
	int i = 0;

	while (i < CP_HIST_BUCKETS && s > bounds[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum_ns += ns;
}

int
cp_snapshot_init(struct cp_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->pub = calloc(1, sizeof(*s->pub));
	s->scratch = calloc(1, sizeof(*s->scratch));
	if (s->pub == NULL || s->scratch == NULL ||
	    pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s->pub);
		free(s->scratch);
		s->pub = s->scratch = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
cp_snapshot_fini(struct cp_snapshot *s)
{
	if (s->pub == NULL)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s->pub);
	free(s->scratch);
	s->pub = s->scratch = NULL;
}

struct cp_snapshot_data *
cp_snapshot_begin(struct cp_snapshot *s)
{
	return s->scratch;
}

void
cp_snapshot_commit(struct cp_snapshot *s)
{
	struct cp_snapshot_data *t;

	pthread_mutex_lock(&s->mu);
	t = s->pub;
	s->pub = s->scratch;
	s->scratch = t;
	s->published = true;
	pthread_mutex_unlock(&s->mu);
}

bool
cp_snapshot_read(struct cp_snapshot *s, struct cp_snapshot_data *out)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = s->published;
	if (ok)
		memcpy(out, s->pub, sizeof(*out));
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool
cp_snapshot_published(struct cp_snapshot *s, bool *draining)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = s->published;
	if (ok && draining != NULL)
		*draining = s->pub->draining;
	pthread_mutex_unlock(&s->mu);
	return ok;
}
