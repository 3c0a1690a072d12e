/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_SPEAKER_H
#define FG_SPEAKER_H

#include "fg_shm.h"

/**
 * Put [bgp] @p b in segment @p s and, with peers, start the speaker
 * (exabgp) whose feed serves instance @p instance.
 * @return 0 or -errno (logged).
 */
int fg_speaker_start(struct fg_shm *s, const struct fg_bgp_cfg *b, const char *instance);

/** floodguard stops: end the speaker now, or leave it to the feed (hold_s). */
void fg_speaker_stop(struct fg_shm *s);

#endif /* FG_SPEAKER_H */
