/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The real sockprobed.c for the daemon tests, its main() renamed so a
 * test program can link sockprobed_reload() and now_ms() beside its own.
 */

int	sockprobed_main(int, char *[]);

#define main	sockprobed_main
#include "sockprobed.c"
