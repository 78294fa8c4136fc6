/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * jsonget: print one value of a JSON document, for shell tests that
 * cannot count on jq or python.  The path is dot-separated: an object
 * key, an array index, "key=value" for the first array element whose
 * member matches, or "#" for the length of an array or object.
 */

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static void	usage(void) __attribute__((noreturn));
static json_t	*step(json_t *, const char *);
static bool	 member_is(json_t *, const char *, const char *);

static void
usage(void)
{
	fprintf(stderr, "usage: jsonget FILE|- PATH\n"
	    "PATH: a.b (key), a.0 (index), a.k=v (element whose k is v), "
	    "a.# (length)\n");
	exit(2);
}

/* Whether member key of object o is value: as a string, or printed. */
static bool
member_is(json_t *o, const char *key, const char *value)
{
	json_t	*m = json_object_get(o, key);
	char	*s;
	bool	 eq;

	if (m == NULL)
		return false;
	if (json_is_string(m))
		return strcmp(json_string_value(m), value) == 0;
	if ((s = json_dumps(m, JSON_ENCODE_ANY)) == NULL)
		return false;
	eq = strcmp(s, value) == 0;
	free(s);
	return eq;
}

/* One path component applied to v; NULL if it leads nowhere. */
static json_t *
step(json_t *v, const char *comp)
{
	const char	*eq;
	char		*end, key[256];
	unsigned long	 i;
	size_t		 n;
	json_t		*e;

	if (json_is_object(v) && json_object_get(v, comp) != NULL)
		return json_object_get(v, comp);
	if (!json_is_array(v))
		return NULL;
	if ((eq = strchr(comp, '=')) != NULL) {
		if ((size_t)(eq - comp) >= sizeof(key))
			return NULL;
		memcpy(key, comp, eq - comp);
		key[eq - comp] = '\0';
		json_array_foreach(v, n, e)
			if (member_is(e, key, eq + 1))
				return e;
		return NULL;
	}
	i = strtoul(comp, &end, 10);
	if (*comp == '\0' || *end != '\0')
		return NULL;
	return json_array_get(v, i);
}

int
main(int argc, char *argv[])
{
	json_error_t	 jerr;
	json_t		*doc, *v;
	char		*path, *comp, *s;

	if (argc != 3)
		usage();
	if (strcmp(argv[1], "-") == 0)
		doc = json_loadf(stdin, 0, &jerr);
	else
		doc = json_load_file(argv[1], 0, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "jsonget: %s:%d: %s\n", argv[1], jerr.line,
		    jerr.text);
		return 2;
	}
	v = doc;
	path = argv[2];
	while (v != NULL && (comp = strsep(&path, ".")) != NULL) {
		if (strcmp(comp, "#") == 0 && path == NULL) {
			if (!json_is_array(v) && !json_is_object(v))
				v = NULL;
			else
				printf("%zu\n", json_is_array(v) ?
				    json_array_size(v) : json_object_size(v));
			break;
		}
		v = step(v, comp);
	}
	if (v == NULL) {
		fprintf(stderr, "jsonget: %s: no such path\n", argv[2]);
		json_decref(doc);
		return 1;
	}
	if (comp != NULL && strcmp(comp, "#") == 0) {
		json_decref(doc);
		return 0;
	}
	if (json_is_string(v))
		printf("%s\n", json_string_value(v));
	else if ((s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
	json_decref(doc);
	return 0;
}
