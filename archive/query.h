/*
 * query.h - the query as typed made the FTS5 expressions search.c walks
 * (query.c; internal to archive/).
 */
#ifndef HD_QUERY_H
#define HD_QUERY_H

/* What hd_query_lean makes of an expression. */
struct hd_lean {
	char *expr;             /* the expression to walk */
	char *widen;            /* hd_snippet's widening of its phrases */
	char *roles;            /* hd_rank's roles of its phrases (fts.h) */
	int has_not;            /* it uses the NOT operator */
	int alts;               /* Han words written as alternatives */
};

/* The FTS5 expression q with its pinyin barewords rewritten ("panyu":
 * (panyu OR "\x01pan'yu")); strings, operators, column filters, prefix
 * words and NEAR(...) groups are copied as they are.  Caller frees. */
char *hd_query_pinyin(const char *q);

/* The query q as plain words, for when FTS5 refuses it as an expression:
 * each white-space separated word quoted for FTS5 (a quote inside
 * doubled), pinyin words rewritten as hd_query_pinyin does.  Caller
 * frees. */
char *hd_query_plain(const char *q);

/* The expression match (made by one of the two above) as search.c walks
 * it, into *out: its Han words as lean strings (HD_LEAN in fts.h) when
 * the index has trigrams (trigrams: 1), and as groups of alternatives
 * that tell hd_rank a record with the query's own characters from one
 * found through folding when it also keeps the characters as written
 * (scripts: 1); with exact_only, each group is the word as typed alone.
 * Release with hd_query_lean_release. */
void hd_query_lean(const char *match, int trigrams, int scripts,
	int exact_only, struct hd_lean *out);

/* Free what hd_query_lean made in x, leaving it empty. */
void hd_query_lean_release(struct hd_lean *x);

/* 1 when q is white space alone (or empty). */
int hd_query_blank(const char *q);

#endif
