/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of the fast-path counters, from the X-macro lists in dp_counters.h. */
#include "dp_counters.h"

static const char *const counter_names[] = {
#define DP_X_NAME(name, desc) #name,
	DP_COUNTER_LIST(DP_X_NAME)
#undef DP_X_NAME
};

static const char *const drop_names[] = {
#define DP_X_NAME(name, desc) #name,
	DP_DROP_LIST(DP_X_NAME)
#undef DP_X_NAME
};

const char *
dp_counter_name(enum dp_counter c)
{
	return c < DP_C__COUNT ? counter_names[c] : "?";
}

const char *
dp_drop_name(enum dp_drop d)
{
	return d < DP_DROP__COUNT ? drop_names[d] : "?";
}
