/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "fg_reason.h"

#define FG_REASON_NAME_(id, name) name,
static const char *const fg_reason_names[FG_R_COUNT] = {
	FG_REASONS(FG_REASON_NAME_)
};
#undef FG_REASON_NAME_

const char *
fg_reason_name(unsigned int r)
{
	return r < FG_R_COUNT ? fg_reason_names[r] : "?";
}

int
fg_reason_from_name(const char *name)
{
	for (unsigned int r = 0; r < FG_R_COUNT; r++)
		if (strcmp(fg_reason_names[r], name) == 0)
			return (int)r;
	return -1;
}
