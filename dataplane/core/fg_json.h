/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_JSON_H
#define FG_JSON_H

/**
 * @file
 * Minimal JSON-lines writer for floodctl and the offline replay: strings
 * are escaped so any packet bytes give valid UTF-8 JSON (bytes that are not
 * valid UTF-8 become \u00XX).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Write @p len bytes as a quoted JSON string. */
void fg_json_str(FILE *f, const void *s, size_t len);

/** Write ,"key": (the comma unless @p first). */
void fg_json_key(FILE *f, const char *key, int first);

/** Write an address (16 bytes, IPv4-mapped printed as dotted quad) quoted. */
void fg_json_addr(FILE *f, const uint8_t addr[16]);

/** Format an address as fg_json_addr() does, without quotes. */
const char *fg_addr_str(const uint8_t addr[16], char *buf, size_t size);

#endif /* FG_JSON_H */
