/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * An index of target and listener configurations by name, so that
 * parsing a file and diffing it on reload stay linear in the number of
 * sections: an open-addressing hash table of pointers, grown at half
 * full.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockprobed.h"

static uint64_t	nameidx_hash(const char *);
static int	nameidx_grow(struct nameidx *);

/* FNV-1a: names are short and chosen by the operator, not an attacker. */
static uint64_t
nameidx_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
nameidx_grow(struct nameidx *x)
{
	struct target_conf	**old = x->slots;
	size_t			  oldcap = x->cap, i, j;

	x->cap = oldcap == 0 ? 64 : oldcap * 2;
	if ((x->slots = calloc(x->cap, sizeof(*x->slots))) == NULL) {
		x->slots = old;
		x->cap = oldcap;
		return -1;
	}
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		j = nameidx_hash(old[i]->name) & (x->cap - 1);
		while (x->slots[j] != NULL)
			j = (j + 1) & (x->cap - 1);
		x->slots[j] = old[i];
	}
	free(old);
	return 0;
}

/* The configuration named name, or NULL. */
struct target_conf *
nameidx_find(const struct nameidx *x, const char *name)
{
	size_t	j;

	if (x->cap == 0)
		return NULL;
	for (j = nameidx_hash(name) & (x->cap - 1); x->slots[j] != NULL;
	    j = (j + 1) & (x->cap - 1))
		if (strcmp(x->slots[j]->name, name) == 0)
			return x->slots[j];
	return NULL;
}

/* Index tc by its name (the caller checked it is not there); -1 ENOMEM. */
int
nameidx_add(struct nameidx *x, struct target_conf *tc)
{
	size_t	j;

	if ((x->n + 1) * 2 > x->cap && nameidx_grow(x) == -1)
		return -1;
	j = nameidx_hash(tc->name) & (x->cap - 1);
	while (x->slots[j] != NULL)
		j = (j + 1) & (x->cap - 1);
	x->slots[j] = tc;
	x->n++;
	return 0;
}

/* Forget the index, not what it points to. */
void
nameidx_free(struct nameidx *x)
{
	free(x->slots);
	x->slots = NULL;
	x->cap = x->n = 0;
}
