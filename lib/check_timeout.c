/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * (placeholder: to be written)
 */

#include "config.h"

#include "sockprobe.h"
#include "sp-internal.h"
