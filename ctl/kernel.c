/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl kernel: the TCP sysctls that decide liveness on this host,
 * each with what it means in time (sp_kernel_read, sp_kernel_sysctls).
 */

#include "config.h"

#include <stdio.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

/* kernel: one table, or {"sysctl_dir", "sysctls"} with --json. */
int
kernel_main(struct ctl *ctl, int argc, char **argv)
{
	static const struct column cols[] = {
		{ "SYSCTL", "name", 0 },
		{ "VALUE", "value", 0 },
		{ "MEANS", "effect_ms", COL_MS },
		{ "MEANING", "meaning", 0 },
	};
	struct sp_kernel	 k;
	json_t			*root;

	(void)argc;
	(void)argv;
	ctl_kernel_read(ctl, &k);
	root = xjson(json_pack("{s:s, s:o}", "sysctl_dir",
	    ctl->sysctl_dir != NULL ? ctl->sysctl_dir : "/proc/sys/net/ipv4",
	    "sysctls", xjson(proto_kernel_json(&k))));
	if (ctl->json)
		output_json(root);
	else
		output_table(cols, sizeof(cols) / sizeof(cols[0]),
		    json_object_get(root, "sysctls"));
	json_decref(root);
	return EXIT_OK;
}
