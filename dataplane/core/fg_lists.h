/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_LISTS_H
#define FG_LISTS_H

/**
 * @file
 * Editing the allow, block and watch lists (struct fg_fed_lists): the
 * items as operators write them, add and delete, the checks a list passes
 * before the data plane may read it, and the state file's text form.
 * Pure C: floodctl and the data plane share it.
 */

#include <stddef.h>
#include <stdio.h>

#include "fg_fed.h"

enum fg_list {
	FG_LIST_ALLOW = 0,     /**< prefixes exempt from every rule */
	FG_LIST_BLOCK,         /**< prefixes whose packets drop */
	FG_LIST_ALLOW_DOM,     /**< SIP domains exempt from their bound prefixes */
	FG_LIST_BLOCK_DOM,     /**< SIP domains whose messages drop */
	FG_LIST_WATCH_DOM,     /**< SIP domains watched by hand */
	FG_LIST_COUNT
};

/** One entry of one list. */
struct fg_list_item {
	enum fg_list list;
	struct fg_prefix pfx;              /**< FG_LIST_ALLOW, FG_LIST_BLOCK */
	struct fg_fed_domain_bind dom;     /**< the domain lists (bind: allow only) */
};

/** "allow", "block", "allow-domain", "block-domain", "watch-domain". */
const char *fg_list_name(enum fg_list l);

/** The list called @p name (fg_list_name()), or FG_LIST_COUNT. */
enum fg_list fg_list_by_name(const char *name);

/**
 * Parse what an operator writes after "allow", "block" or "watch"
 * (@p verb): an address or prefix, a domain, or for allow a
 * domain@prefix|prefix. @return 0, or -1 with the reason in @p err.
 * "watch" with an address is not a list item: -1 and err "".
 */
int fg_list_item_parse(const char *verb, const char *text, struct fg_list_item *it,
		       char *err, size_t errlen);

/** Parse an item of list @p l (the state file's lines). */
int fg_list_item_parse_in(enum fg_list l, const char *text, struct fg_list_item *it,
			  char *err, size_t errlen);

/**
 * Callback of fg_list_file_parse() for each line that holds an item:
 * @p it parsed, or NULL and @p why says what is wrong with it. A nonzero
 * return stops the parse and is its result.
 */
typedef int (*fg_list_file_fn)(const struct fg_list_item *it, unsigned int line,
			       const char *why, void *arg);

/**
 * Parse a list file (@p len bytes at @p buf): one ITEM a line, as
 * `floodctl VERB add` takes it (@p verb "allow" or "block"); '#' or ';'
 * starts a comment (the feeds' own: FireHOL, Spamhaus DROP); blank lines,
 * spaces and a CR before the newline are skipped. A NUL byte or a line of
 * FG_LIST_LINE_MAX bytes or more is a bad line. @return 0 or what @p fn
 * returned.
 */
int fg_list_file_parse(const char *verb, const char *buf, size_t len, fg_list_file_fn fn,
		       void *arg);

#define FG_LIST_LINE_MAX 512   /**< bytes of a list file's line */

/** Print as the operator writes it ("10.0.0.0/8", "x.example@10.1.0.0/16"). */
void fg_list_item_print(const struct fg_list_item *it, FILE *f);

/** Entries of list @p k; entry @p i into @p out. */
uint32_t fg_lists_count(const struct fg_fed_lists *l, enum fg_list k);
void fg_lists_get(const struct fg_fed_lists *l, enum fg_list k, uint32_t i,
		  struct fg_list_item *out);

/**
 * Add @p it. An allowed domain already listed takes the new bindings.
 * @return 0, -EEXIST (already there, nothing changed), -ENOSPC (full).
 */
int fg_lists_add(struct fg_fed_lists *l, const struct fg_list_item *it);

/** Delete @p it (the domain lists: by domain). @return 0 or -ENOENT. */
int fg_lists_del(struct fg_fed_lists *l, const struct fg_list_item *it);

/**
 * Copy the used entries of @p src (what an update starts from).
 * @return 0, or -EINVAL: a count of @p src was out of range (the copy
 * holds the first FG_FED_LIST_MAX entries of that list).
 */
int fg_lists_copy(struct fg_fed_lists *dst, const struct fg_fed_lists *src);

/** Whether @p l is safe to read: counts in range, strings terminated. @return 0 or -EINVAL. */
int fg_lists_check(const struct fg_fed_lists *l);

/** Write @p l as text ending in a line "end COUNT crc32=HEX". @return 0 or -EIO. */
int fg_lists_save(const struct fg_fed_lists *l, FILE *f);

/** Bytes a state file may have at most. */
#define FG_LISTS_FILE_MAX (4u << 20)

/**
 * Read fg_lists_save()'s text (@p len bytes) into @p l (left half
 * filled on error: load into a scratch copy). @return 0, or -1 with the
 * line and the problem in @p err.
 */
int fg_lists_load(struct fg_fed_lists *l, const char *buf, size_t len, char *err,
		  size_t errlen);

#endif /* FG_LISTS_H */
