/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Helpers for the X-macro lists that name counters, drop reasons, methods
 * and states everywhere in turnpike: one list `X(name, text)` makes the
 * enum and, with these, its table of names and the lookup that guards the
 * index.  Every unit that prints a counter (the fast path, the control
 * plane, the traffic generator) uses the same three pieces.
 */
#ifndef TURNPIKE_XLIST_H
#define TURNPIKE_XLIST_H

#include <stddef.h>

/** X(name, ...) -> "name", : the identifier as text. */
#define TP_XLIST_NAME(name, ...) #name,

/** X(name, text) -> text, : the list's second column. */
#define TP_XLIST_TEXT(name, text) text,

/** @p table[@p i], or "?" when @p i is past its end (a bad enum value). */
static inline const char *
tp_xlist_lookup(const char *const *table, size_t n, unsigned int i)
{
	return i < n ? table[i] : "?";
}

/** tp_xlist_lookup() on a static array, its size taken from the array. */
#define TP_XLIST_LOOKUP(table, i)                                    \
	tp_xlist_lookup((table), sizeof(table) / sizeof((table)[0]), \
			(unsigned int)(i))

#endif /* TURNPIKE_XLIST_H */
