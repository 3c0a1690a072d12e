/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_LISTS_H
#define FG_LISTS_H

/**
 * @file
 * Editing the allow, block and watch lists: the items as operators write
 * them; the domain lists (struct fg_fed_lists): add and delete, the checks
 * a list passes before the data plane may read it; the tags of the prefix
 * lists' entries (a struct fg_pfxset); the state file's text form of both.
 * Pure C: floodctl and the data plane share it.
 */

#include <stddef.h>
#include <stdio.h>

#include "fg_fed.h"
#include "fg_pfxset.h"

enum fg_list {
	FG_LIST_ALLOW = 0,     /**< prefixes exempt from every rule */
	FG_LIST_BLOCK,         /**< prefixes whose packets drop */
	FG_LIST_ALLOW_DOM,     /**< SIP domains exempt from their bound prefixes */
	FG_LIST_BLOCK_DOM,     /**< SIP domains whose messages drop */
	FG_LIST_WATCH_DOM,     /**< SIP domains watched by hand */
	FG_LIST_COUNT
};

/** Whether list @p l holds prefixes (a struct fg_pfxset), not domains. */
static inline bool
fg_list_is_pfx(enum fg_list l)
{
	return l == FG_LIST_ALLOW || l == FG_LIST_BLOCK;
}

/** The struct fg_pfxset list (enum fg_pfx_list) of prefix list @p l. */
static inline unsigned int
fg_list_pfx(enum fg_list l)
{
	return l == FG_LIST_ALLOW ? FG_PFX_LIST_ALLOW : FG_PFX_LIST_BLOCK;
}

#define FG_TAGS 256            /**< tags (feeds) the prefix lists' entries carry */
#define FG_TAG_MAX 32          /**< bytes of a tag's name, NUL included */
#define FG_TAG_MANUAL 0        /**< entries an operator added by hand */
#define FG_TAG_CONFIG 1        /**< entries of the configuration's [lists] */

/** The names of the tags (struct fg_pfx_meta.tag is the index). */
struct fg_tags {
	char name[FG_TAGS][FG_TAG_MAX];
};

/** "manual" and "config", nothing else. */
void fg_tags_init(struct fg_tags *t);

/** Whether @p name may name a tag: 1 to 31 letters, digits, '-', '_', '.'. */
bool fg_tag_ok(const char *name);

/** Tags of the entries the cluster's BGP routes gave ("bgp:" + the
 * originating appliance): never saved, never named by an operator. */
#define FG_TAG_BGP "bgp:"

/** Whether @p name is a tag of the cluster's routes (FG_TAG_BGP ...). */
bool fg_tag_bgp(const char *name);

/**
 * The id of tag @p name; with @p create, a new one if there is none.
 * @return the id, -EINVAL (not a tag name), -ENOENT, -ENOSPC (FG_TAGS).
 */
int fg_tags_id(struct fg_tags *t, const char *name, bool create);

/** The name of tag @p id ("?" if it has none). */
const char *fg_tag_name(const struct fg_tags *t, uint16_t id);

/** An entry of a prefix list, as the control plane shows it. */
struct fg_pfx_entry {
	struct fg_prefix p;
	uint8_t list;                /**< enum fg_pfx_list */
	struct fg_pfx_meta m;
};

/**
 * The entries of prefix list @p list (enum fg_pfx_list) whose tag is
 * @p tag (-1: any), in hash order, into *@p out (malloc'd; the caller
 * frees it). @return how many, or -ENOMEM.
 */
int64_t fg_pfx_entries(const struct fg_pfxset *s, unsigned int list, int tag,
		       struct fg_pfx_entry **out);

/** Why the last fg_pfxset_add() of @p s returned -ENOSPC, as a config key. */
const char *fg_pfxset_nospc_name(const struct fg_pfxset *s);

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

/** Entries of domain list @p k (0 for the prefix lists); entry @p i into @p out. */
uint32_t fg_lists_count(const struct fg_fed_lists *l, enum fg_list k);
void fg_lists_get(const struct fg_fed_lists *l, enum fg_list k, uint32_t i,
		  struct fg_list_item *out);

/** Entries of list @p k: the domain lists in @p l, the prefix lists in @p s. */
uint32_t fg_lists_entries(const struct fg_fed_lists *l, const struct fg_pfxset *s,
			  enum fg_list k);

/**
 * Add domain item @p it. An allowed domain already listed takes the new
 * bindings. @return 0, -EEXIST (already there, nothing changed), -ENOSPC
 * (full), -EINVAL (a prefix: that is fg_pfxset_add()).
 */
int fg_lists_add(struct fg_fed_lists *l, const struct fg_list_item *it);

/** Delete domain item @p it (by domain). @return 0, -ENOENT or -EINVAL (a prefix). */
int fg_lists_del(struct fg_fed_lists *l, const struct fg_list_item *it);

/**
 * The configuration's domains (@p next, its [lists]) into the running
 * lists @p l: each entry of @p next is added (an allowed domain takes its
 * bindings); each entry of @p prev (the configuration before, NULL: none)
 * that @p next no longer has is taken out. Entries of @p l that neither
 * names stay. @p added, @p removed: entries that changed.
 * @return 0, or -ENOSPC: a list was full (every other entry merged).
 */
int fg_lists_merge_domains(struct fg_fed_lists *l, const struct fg_fed_lists *prev,
			   const struct fg_fed_lists *next, uint32_t *added, uint32_t *removed);

/**
 * Copy the used entries of @p src (what an update starts from).
 * @return 0, or -EINVAL: a count of @p src was out of range (the copy
 * holds the first FG_FED_LIST_MAX entries of that list).
 */
int fg_lists_copy(struct fg_fed_lists *dst, const struct fg_fed_lists *src);

/** Whether @p l is safe to read: counts in range, strings terminated. @return 0 or -EINVAL. */
int fg_lists_check(const struct fg_fed_lists *l);

/**
 * Write the prefix lists @p s (their tags named by @p t) and the domain
 * lists @p l as text ending in a line "end COUNT crc32=HEX": a line
 * "allow|block PREFIX tag=NAME added=UNIX_S[ expires=UNIX_S]" a prefix,
 * "LIST ITEM" a domain item. @return 0, -ENOMEM or -EIO.
 */
int fg_lists_save(const struct fg_fed_lists *l, const struct fg_pfxset *s,
		  const struct fg_tags *t, FILE *f);

/** Bytes a state file may have at most (2M prefixes at ~70 bytes a line). */
#define FG_LISTS_FILE_MAX (256u << 20)

/**
 * Read fg_lists_save()'s text (@p len bytes) into @p l and the empty
 * prefix set @p s, naming new tags in @p t. A prefix without attributes
 * (a v1 file) is "manual", added @p now_s; one that expired by @p now_s
 * is left out. On error both are left half filled: load into scratch
 * copies. @return 0, or -1 with the line and the problem in @p err.
 */
int fg_lists_load(struct fg_fed_lists *l, struct fg_pfxset *s, struct fg_tags *t,
		  const char *buf, size_t len, uint32_t now_s, char *err, size_t errlen);

/**
 * Close @p ms (an open_memstream() on *@p buf, *@p len), write what it
 * holds to @p out and a last line "end @p n crc32=HEX" over it, free it.
 * @return @p n, or -errno.
 */
int fg_crc_file_end(FILE *ms, char **buf, size_t *len, uint32_t n, FILE *out);

/** CRC-32 (IEEE, reflected) of @p len bytes, continuing @p crc (0 to start). */
uint32_t fg_crc32(uint32_t crc, const void *buf, size_t len);

#endif /* FG_LISTS_H */
