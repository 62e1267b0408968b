/*
 * fuzz_search.c - libFuzzer target for a search, from what a visitor types
 * to the snippets of the page: the query rewriting of query.c (pinyin,
 * lean phrases as alternatives of the two scripts and their widening, the
 * plain-words fallback), FTS5 on the hongdang tokenizer, hd_rank (rank.c)
 * and hd_snippet (fts.c).
 *
 * An input is a record's body, a NUL byte, then a query (no NUL: the
 * whole input is the query, over a body that says 前锋社区).  The record
 * is added to a scratch archive with three others inside a transaction,
 * its index rows flushed, the query searched by an archivist (who sees
 * every record, so the new one is among the hits when it matches) and
 * the transaction rolled back, so every input meets the same archive.
 * Invariants: the search returns 0, or HD_EINVAL for a query that is not
 * UTF-8 or too long; every snippet is a text with its marks within it,
 * sorted, not overlapping, none empty, each on UTF-8 character
 * boundaries, and none of the marker bytes of hd_snippet() left in the
 * text; rendered as the exhibit renders it, it opens and closes its
 * marks in turn and holds no other tag.  A broken one aborts, which
 * libFuzzer reports as a crash.
 */
#include "../../archive/hd.h"
#include "../../exhibit/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

static struct hd_archive *arch;
static struct hd_agent agent = { "fuzz" };

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "invariant broken: %s: %s\n", what, detail);
	abort();
}

/* The record of body (NULL: none) with the archive's fonds. */
static void add(int64_t batch, const char *title, const char *body)
{
	struct hd_record r;
	struct hd_error e;

	hd_record_init(&r);
	r.fonds = hd_xstrdup("FZ01");
	r.category = hd_xstrdup("WS");
	r.retention = hd_xstrdup("Y");
	r.access = hd_xstrdup("public");
	r.status = hd_xstrdup("approved");
	r.title = hd_xstrdup(title);
	r.body = body ? hd_xstrdup(body) : NULL;
	r.year = r.year_end = 1990;
	hd_strv_add(&r.subjects, &r.nsubjects, "档案");
	if (hd_record_add(arch, batch, &r, &agent, &e) != 0) {
		fail("add", e.msg);
	}
	hd_record_release(&r);
}

/* The scratch archive, made once: three records that stay. */
static void setup(void)
{
	char tmpl[] = "/tmp/hd-fuzz-search-XXXXXX", *dir;
	struct hd_error e;
	int64_t batch;

	dir = mkdtemp(tmpl);
	if (dir == NULL || hd_archive_init(dir, "FZ01", "模糊测试", &agent,
	    &e) != 0 || hd_archive_open(dir, 0, &arch, &e) != 0 ||
	    hd_tx_begin(arch, &e) != 0) {
		fail("setup", dir ? e.msg : "mkdtemp");
	}
	if (hd_batch_begin(arch, "FZ01", "fuzz", &agent, &batch, &e) != 0) {
		fail("batch", e.msg);
	}
	add(batch, "前锋社区沿革", "前锋社区位于番禺区市桥街。黨員大會在此舉行，"
		"檔案室保存了記錄。Panyu history, 1953.");
	add(batch, "河涌整治", "台风过后清理河涌淤泥，街坊出力。照片宽½英寸。");
	add(batch, "工作简报", NULL);
	if (hd_tx_commit(arch, &e) != 0) {
		fail("commit", e.msg);
	}
}

/* 1 when byte i of text t (of n bytes) begins a character or is its
 * end: not a UTF-8 continuation byte. */
static int boundary(const char *t, size_t n, size_t i)
{
	return i == n || ((unsigned char)t[i] & 0xC0) != 0x80;
}

/* A snippet's marks lie within its text, in order, apart, none empty,
 * on character boundaries; its text holds no marker byte (\x01, \x02)
 * of hd_snippet(). */
static void check_marks(const struct hd_snippet *s)
{
	size_t n, i, end = 0;

	if (s->text == NULL) {
		fail("snippet without text", "");
	}
	n = strlen(s->text);
	if (memchr(s->text, '\x01', n) != NULL ||
	    memchr(s->text, '\x02', n) != NULL) {
		fail("a marker byte left in the text", s->text);
	}
	if ((s->nmarks > 0) != (s->marks != NULL)) {
		fail("marks and their count disagree", s->text);
	}
	for (i = 0; i < s->nmarks; i++) {
		const struct hd_mark *m = &s->marks[i];

		if (m->len == 0) {
			fail("an empty mark", s->text);
		}
		if (m->off < end) {
			fail("a mark before or over the one before", s->text);
		}
		if (m->off > n || m->len > n - m->off) {
			fail("a mark past the end of the text", s->text);
		}
		if (!boundary(s->text, n, m->off) ||
		    !boundary(s->text, n, m->off + m->len)) {
			fail("a mark inside a character", s->text);
		}
		end = m->off + m->len;
	}
}

/* A snippet as the exhibit renders it (page_snippet_html): its marks
 * open and close in turn, none left open, and no other tag (everything
 * else escaped). */
static void check_html(const struct hd_snippet *sn)
{
	struct hd_buf b;
	const char *s, *p;
	int open = 0;

	hd_buf_init(&b);
	page_snippet_html(&b, sn);
	s = b.p != NULL ? b.p : "";
	p = s;
	while ((p = strchr(p, '<')) != NULL) {
		if (strncmp(p, "<mark>", 6) == 0) {
			if (open) {
				fail("mark opened twice", s);
			}
			open = 1;
		} else if (strncmp(p, "</mark>", 7) == 0) {
			if (!open) {
				fail("mark closed unopened", s);
			}
			open = 0;
		} else {
			fail("a tag other than mark (not escaped)", s);
		}
		p++;
	}
	if (open) {
		fail("mark left open", s);
	}
	hd_buf_release(&b);
}

/* One input: the bytes before a NUL (if any) become a record's body
 * inside a transaction that is rolled back, the rest is searched; a
 * crash, a failing search other than a refused query, or a snippet
 * that breaks check_marks or check_html fails. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const unsigned char *nul = memchr(data, '\0', n);
	char *body, *query;
	struct hd_query q;
	struct hd_results res;
	struct hd_error e;
	int64_t batch;
	size_t i;
	int rc;

	if (arch == NULL) {
		setup();
	}
	if (nul != NULL) {
		body = hd_xstrndup((const char *)data, (size_t)(nul - data));
		query = hd_xstrndup((const char *)nul + 1,
			n - (size_t)(nul - data) - 1);
	} else {
		body = hd_xstrdup("前锋社区");
		query = hd_xstrndup((const char *)data, n);
	}
	if (hd_tx_begin(arch, &e) != 0) {
		fail("begin", e.msg);
	}
	if (hd_batch_begin(arch, "FZ01", "fuzz", &agent, &batch, &e) != 0) {
		fail("batch", e.msg);
	}
	add(batch, "输入", hd_utf8_valid(body, strlen(body)) ? body : NULL);
	if (hd_tx_flush(arch, &e) != 0) {
		fail("flush", e.msg);
	}
	memset(&q, 0, sizeof q);
	q.q = query;
	q.limit = 20;
	q.facets = (int)(n % 2);
	rc = hd_search(arch, HD_ARCHIVIST, &q, &res, &e);
	if (rc == 0) {
		for (i = 0; i < res.nhits; i++) {
			check_marks(&res.hits[i].snippet);
			check_html(&res.hits[i].snippet);
		}
		hd_results_release(&res);
	} else if (rc != HD_EINVAL) {
		fail("search", e.msg);
	}
	hd_tx_rollback(arch);
	free(body);
	free(query);
	return 0;
}
