/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_ERR_H
#define FG_ERR_H

#include <stddef.h>

/**
 * Write an error message (printf-style) into @p err (@p len bytes, may be
 * 0) and return @p rc: for functions that report why in a caller's buffer
 * (configuration, lists, the shared-memory segment).
 */
int fg_errf(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* FG_ERR_H */
