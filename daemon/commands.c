/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * (placeholder: to be written)
 */

#include "config.h"
