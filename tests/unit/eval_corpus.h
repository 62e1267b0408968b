/*
 * eval_corpus.h - the generated catalogue the search evaluation draws its
 * queries from (eval_corpus.c): documents of place names, events,
 * document types and person names from a fixed seed, one in ten in
 * traditional characters, and the archive built from them.
 */
#ifndef HD_EVAL_CORPUS_H
#define HD_EVAL_CORPUS_H

#include "../../archive/hd.h"
#include "../../archive/fts.h"

#include <opencc.h>
#include <stdint.h>

/* A document of the evaluation: generated ones (gen_doc) own their
 * strings and are released by doc_release; the hand-made ones (hand[])
 * point at literals and are never released. */
struct doc {
	const char *title, *body, *person, *place, *subject;
	int year;
	int trad;               /* written in traditional characters */
	char *folded;           /* title folded, no separators */
	int64_t id;
};

/* The generated documents (corpus_gen_doc fills them), and OpenCC's
 * simplified-to-traditional converter ((opencc_t)-1 when there is none:
 * the traditional documents are then simplified ones). */
extern struct doc *docs;
extern int ndocs;
extern opencc_t s2t;

/* The given-name characters and their weights; call once, after
 * hd_py_init, before drawing documents. */
void corpus_init(void);
/* A number from 0 to n - 1, the next of the fixed sequence. */
int corpus_pick(int n);
/* s (taken) in traditional characters through s2t; s itself when it
 * cannot be converted.  A new string. */
char *corpus_to_trad(char *s);
/* Document number i of the corpus into *d: title, body, person, place,
 * subject and year drawn from the sequence, every tenth traditional;
 * release with corpus_doc_release. */
void corpus_gen_doc(struct doc *d, int i);
void corpus_doc_release(struct doc *d);
/* Document d as a record of archive a in batch batch, approved, with
 * access access, inside the caller's transaction; d->id becomes its id.
 * 0 or the library's error. */
int corpus_add_doc(struct hd_archive *a, int64_t batch, struct doc *d,
	const char *access, struct hd_error *e);
/* A new archive at dir with docs[0..ndocs) added, TX_RECORDS to a
 * transaction.  0 or the first error (*e set). */
int corpus_build(const char *dir, struct hd_error *e);
/* The same with v[0..n), public and approved (their ids into v[].id). */
int corpus_build_docs(const char *dir, struct doc *v, int n,
	struct hd_error *e);
/* hd_search of q (HD_PUBLIC, limit hits) into *res, out emptied; -1 with
 * "error: ..." in out (n bytes) when it fails. */
int corpus_search(struct hd_archive *a, const char *q, int limit,
	struct hd_results *res, char *out, size_t n);
/* The number (from 1) of the document of v[0..n) whose record is id;
 * n + 1 when none is. */
int corpus_number(const struct doc *v, int n, int64_t id);

#endif
