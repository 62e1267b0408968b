/*
 * test_search_eval.c - known-item evaluation of Chinese search, plus the
 * checks of ranking, suggestions and the version 3 migration.
 *
 * Part one generates a catalogue (HD_EVAL_RECORDS records: 10,000 by
 * default, 3,000 under AddressSanitizer, 50,000 in "make eval") from a
 * fixed seed: titles like
 * "1985年番禺龙舟竞渡会议纪要" or "陈某琰读书分享访谈记录" drawn from
 * place names, events, document types and person names (surnames and a
 * long tail of given-name characters, as real names have), bodies of
 * archive vocabulary that also mention other people, places and events,
 * and one record in ten written in traditional characters (OpenCC s2t).
 * Then it draws known-item queries: a record, and a piece of its title
 * that few titles share (at most QUERY_TITLES), typed as one of
 *   1char 2char 3char 4char  characters as written
 *   variant                  the other script (簡 for a simplified title,
 *                            简 for a traditional one)
 *   pinyin                   toneless, run together: "panyu"
 *   pinyin_space             syllables apart: "pan yu"
 * and counts how often the record is among the first 10 hits.  The
 * share per kind and overall is printed; below TARGET overall (or below
 * KIND_MIN for a kind) is a FAIL.  A title piece shared by a few titles
 * also appears in many bodies and names, so this measures ranking (a
 * title match above a body match) as much as matching.
 *
 * Part two builds a small archive by hand and checks, row by row: title
 * above body, subject above body, a phrase above the same words apart,
 * snippets marking the document's own characters (檔案 for 档案, 番禺 for
 * panyu, across spaces and line breaks, never a character more or less),
 * the plain-words fallback, suggestions by characters, pinyin
 * and initials (and none from a restricted record), the migration of an
 * index with the body last (version 10) to the body first, with the same
 * answers, and the migration of an archive whose index was made by
 * another tokenizer (user_version 2).
 *
 * Prints "PASS name" or "FAIL name: why (got ...)" per check (check.h),
 * and the evaluation figures; exits 1 when a check fails.
 */
#include "../../archive/hd.h"
#include "../../archive/fts.h"
#include "../../archive/internal.h"
#include "../../exhibit/pages.h"
#include "check.h"
#include "eval_corpus.h"

#include <opencc.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unicode/utf8.h>

#define TARGET 98.0             /* % of queries found in the top 10 */
#define KIND_MIN 95.0           /* % for each kind */
#define QUERY_TITLES 8          /* a query piece is in at most so many */
#define TEST_RECORDS 10000      /* records generated in make test */

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

/* Snippet s as the exhibit renders it (page_snippet_html): the HTML the
 * rows below assert.  Caller frees. */
static char *as_html(const struct hd_snippet *s)
{
	struct hd_buf b;

	hd_buf_init(&b);
	page_snippet_html(&b, s);
	return hd_buf_detach(&b);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------ queries */

enum kind { K1, K2, K3, K4, KVAR, KPY, KPYS, NKIND };
static const char *const kind_names[NKIND] = { "1char", "2char", "3char",
	"4char", "variant", "pinyin", "pinyin_space" };
static const int kind_count[NKIND] = { 80, 80, 80, 80, 80, 80, 60 };

/* Titles whose folded text holds s, counted up to limit + 1. */
static int title_count(const char *s, int limit)
{
	int i, n = 0;

	for (i = 0; i < ndocs && n <= limit; i++) {
		n += strstr(docs[i].folded, s) != NULL;
	}
	return n;
}

/* The code points of a folded title and their byte offsets. */
static int decode(const char *s, uint32_t *cp, int *off, int cap)
{
	int32_t n = (int32_t)strlen(s), i = 0, j;
	int k = 0;
	UChar32 c;

	while (i < n && k < cap) {
		j = i;
		U8_NEXT(s, j, n, c);
		cp[k] = c < 0 ? 0xFFFD : (uint32_t)c;
		off[k++] = (int)i;
		i = c < 0 ? i + 1 : j;
	}
	off[k] = (int)n;
	return k;
}

static int is_han(uint32_t cp)
{
	return cp >= 0x3400 && cp <= 0x9FFF;
}

/* Readings of each title character, for counting pinyin matches. */
static uint16_t (*tread)[64][HD_PY_MAX];
static unsigned char *tlen;

static void readings_init(void)
{
	uint32_t cp[64];
	int off[65], i, k, n;

	tread = hd_xcalloc((size_t)ndocs, sizeof *tread);
	tlen = hd_xcalloc((size_t)ndocs, 1);
	for (i = 0; i < ndocs; i++) {
		n = decode(docs[i].folded, cp, off, 63);
		for (k = 0; k < n; k++) {
			hd_py_readings(cp[k], tread[i][k]);
		}
		tlen[i] = (unsigned char)n;
	}
}

/* Titles that read as the syllables syl[0..n), up to limit + 1. */
static int pinyin_count(char syl[][8], int n, int limit)
{
	int i, p, k, r, hits = 0, ok;

	for (i = 0; i < ndocs && hits <= limit; i++) {
		for (p = 0; p + n <= tlen[i]; p++) {
			for (k = 0; k < n; k++) {
				ok = 0;
				for (r = 0; r < HD_PY_MAX &&
				    tread[i][p + k][r] != 0 && !ok; r++) {
					ok = strcmp(hd_py_syllable(
					    tread[i][p + k][r] >> 3),
					    syl[k]) == 0;
				}
				if (!ok) {
					break;
				}
			}
			if (k == n) {
				hits++;
				break;
			}
		}
	}
	return hits;
}

/* The piece of n Han characters of d's folded title that the fewest
 * titles share, into out; returns how many share it. */
static int rarest_piece(const struct doc *d, int n, char *out, size_t cap)
{
	uint32_t cp[64];
	int off[65], k, j, len, c, best = 1 << 30;
	char piece[64];

	len = decode(d->folded, cp, off, 63);
	out[0] = '\0';
	for (k = 0; k + n <= len; k++) {
		for (j = 0; j < n && is_han(cp[k + j]); j++) {
		}
		if (j < n || (size_t)(off[k + n] - off[k]) >= cap) {
			continue;
		}
		memcpy(piece, d->folded + off[k],
			(size_t)(off[k + n] - off[k]));
		piece[off[k + n] - off[k]] = '\0';
		c = title_count(piece, best < QUERY_TITLES ? best :
			QUERY_TITLES);
		if (c < best) {
			best = c;
			snprintf(out, cap, "%s", piece);
		}
	}
	return best;
}

/* The usual syllables of each character of a folded piece. */
static int piece_syllables(const char *piece, char syl[][8])
{
	uint32_t cp[16];
	int off[17], n, k;
	char one[8];
	struct hd_py_term t;

	n = decode(piece, cp, off, 15);
	for (k = 0; k < n; k++) {
		memcpy(one, piece + off[k], (size_t)(off[k + 1] - off[k]));
		one[off[k + 1] - off[k]] = '\0';
		hd_py_term(one, 0, &t);
		snprintf(syl[k], 8, "%s", t.pinyin[0]);
		hd_py_term_release(&t);
	}
	return n;
}

struct query {
	char q[96];
	int doc;
	enum kind kind;
};

/* A query of kind k for a random document; 0 when this document has no
 * piece that is rare enough. */
static int make_query(enum kind k, struct query *out)
{
	struct doc *d = &docs[corpus_pick(ndocs)];
	char piece[64], syl[8][8], *t;
	int n, c, i;
	size_t len;

	out->doc = (int)(d - docs);
	out->kind = k;
	switch (k) {
	case K1:
	case K2:
	case K3:
	case K4:
		if (d->trad) {
			return 0;   /* typed as written: the variant kind */
		}
		c = rarest_piece(d, (int)k + 1, piece, sizeof piece);
		if (c > QUERY_TITLES) {
			return 0;
		}
		snprintf(out->q, sizeof out->q, "%s", piece);
		return 1;
	case KVAR:
		c = rarest_piece(d, 2 + corpus_pick(3), piece, sizeof piece);
		if (c > QUERY_TITLES) {
			return 0;
		}
		if (d->trad) {
			/* the folded piece is simplified already */
			snprintf(out->q, sizeof out->q, "%s", piece);
			return 1;
		}
		t = corpus_to_trad(hd_xstrdup(piece));
		if (strcmp(t, piece) == 0) {
			free(t);
			return 0;   /* nothing to convert */
		}
		snprintf(out->q, sizeof out->q, "%s", t);
		free(t);
		return 1;
	default:
		c = rarest_piece(d, 2 + corpus_pick(2), piece, sizeof piece);
		if (c > 2) {
			return 0;
		}
		n = piece_syllables(piece, syl);
		if (pinyin_count(syl, n, QUERY_TITLES) > QUERY_TITLES) {
			return 0;
		}
		out->q[0] = '\0';
		for (i = 0, len = 0; i < n; i++) {
			len += (size_t)snprintf(out->q + len,
				sizeof out->q - len, "%s%s",
				(k == KPYS && i > 0) ? " " : "", syl[i]);
		}
		return 1;
	}
}

static void evaluate(const char *dir)
{
	struct hd_archive *a;
	struct hd_error e;
	struct hd_query hq;
	struct hd_results res;
	struct query q;
	int found[NKIND] = { 0 }, total[NKIND] = { 0 }, k, i, tries;
	int all = 0, allfound = 0;
	size_t h;
	double t0, worst = 0, dt, pct;
	char got[256];

	hd_err_clear(&e);
	if (hd_archive_open(dir, 1, &a, &e) != 0) {
		check("eval_open", 0, "open the generated archive (got %s)",
			e.msg);
		return;
	}
	for (k = 0; k < NKIND; k++) {
		for (i = 0; i < kind_count[k]; i++) {
			for (tries = 0; tries < 200; tries++) {
				if (make_query((enum kind)k, &q)) {
					break;
				}
			}
			if (tries == 200) {
				continue;
			}
			memset(&hq, 0, sizeof hq);
			hq.q = q.q;
			hq.limit = 10;
			t0 = now_s();
			if (hd_search(a, HD_ARCHIVIST, &hq, &res, &e) != 0) {
				check("eval_search", 0, "a query fails "
					"(got %s)", e.msg);
				continue;
			}
			dt = now_s() - t0;
			if (dt > worst) {
				worst = dt;
			}
			total[k]++;
			for (h = 0; h < res.nhits; h++) {
				if (res.hits[h].id == docs[q.doc].id) {
					found[k]++;
					break;
				}
			}
			if (h == res.nhits && getenv("HD_EVAL_VERBOSE")) {
				printf("miss %s %s -> %s (%lld hits)\n",
					kind_names[k], q.q, docs[q.doc].title,
					(long long)res.total);
			}
			hd_results_release(&res);
		}
	}
	hd_archive_close(a);
	for (k = 0; k < NKIND; k++) {
		pct = total[k] ? 100.0 * found[k] / total[k] : 0;
		printf("eval %-13s %4d/%-4d %5.1f %% in the top 10\n",
			kind_names[k], found[k], total[k], pct);
		snprintf(got, sizeof got, "%d/%d = %.1f %%", found[k],
			total[k], pct);
		snprintf(q.q, sizeof q.q, "eval_%s", kind_names[k]);
		check(q.q, total[k] >= kind_count[k] * 9 / 10 &&
			pct >= KIND_MIN, "enough queries, each kind at least "
			"95 %% in the top 10 (got %s)", got);
		all += total[k];
		allfound += found[k];
	}
	pct = all ? 100.0 * allfound / all : 0;
	printf("eval overall       %4d/%-4d %5.1f %% in the top 10 "
		"(%d records, slowest query %.1f ms)\n", allfound, all, pct,
		ndocs, worst * 1000);
	snprintf(got, sizeof got, "%d/%d = %.1f %%", allfound, all, pct);
	check("eval_overall", all >= 500 && pct >= TARGET,
		"at least 500 queries, 98 %% found in the top 10 (got %s)",
		got);
}

/* ------------------------------------------------------ the cap */

/* 1 when every hit whose title holds piece comes before every hit whose
 * title does not (title matches rank first). */
static int titles_first(const struct hd_results *res, const char *piece)
{
	size_t i;
	int seen_other = 0;

	for (i = 0; i < res->nhits; i++) {
		if (strstr(res->hits[i].title, piece) == NULL) {
			seen_other = 1;
		} else if (seen_other) {
			return 0;
		}
	}
	return 1;
}

/* A query that every generated body holds (参加) and one that many titles
 * hold (番禺), searched with the cap and exactly. */
/* hd_search_warm in steps of 1,000 records, as the server does in
 * larger ones, down to the oldest: each step reads below the last. */
static void warm_all(struct hd_archive *a)
{
	struct hd_error e;
	int64_t below = INT64_MAX, prev;
	int steps = 0, ok = 1;

	hd_err_clear(&e);
	while (below != 0 && ok && steps <= ndocs / 1000 + 1) {
		prev = below;
		ok = hd_search_warm(a, &below, 1000, &e) == 0 &&
			below < prev;
		steps++;
	}
	check("warm", ok && below == 0 && steps == ndocs / 1000 + 1,
		"hd_search_warm reads every record, 1,000 a step, newest "
		"first, and says when none is left (got %s)", e.msg);
}

/* The cap on the generated archive in dir: a query in every record is
 * counted to HD_SEARCH_CAP with capped set and a full page, each hit's
 * snippet marked as the exhibit renders it, facets of the walked
 * matches; an exact search counts every match; warming changes no
 * result; title matches older than the walk still come first.  Prints
 * a check for each. */
static void capped(const char *dir)
{
	struct hd_archive *a;
	struct hd_error e;
	struct hd_query hq;
	struct hd_results res, ex;
	char got[256], *html = NULL;
	size_t i;
	int marked = 1;

	hd_err_clear(&e);
	if (hd_archive_open(dir, 1, &a, &e) != 0) {
		check("cap_open", 0, "open the generated archive (got %s)",
			e.msg);
		return;
	}
	memset(&hq, 0, sizeof hq);
	hq.q = "参加";
	hq.limit = 20;
	hq.facets = 1;
	if (hd_search(a, HD_PUBLIC, &hq, &res, &e) != 0) {
		check("cap_search", 0, "a broad query is searched (got %s)",
			e.msg);
		hd_archive_close(a);
		return;
	}
	snprintf(got, sizeof got, "capped %d total %lld hits %zu",
		res.capped, (long long)res.total, res.nhits);
	check("cap_broad", res.capped && res.total == HD_SEARCH_CAP &&
		res.nhits == 20, "a query in every one of thousands of "
		"records: the newest 1000 counted, capped set, a full page "
		"(got %s)", got);
	for (i = 0; i < res.nhits && marked; i++) {
		/* one record in ten is in traditional characters */
		free(html);
		html = as_html(&res.hits[i].snippet);
		marked = strstr(html, "<mark>参加</mark>") ||
			strstr(html, "<mark>參加</mark>");
	}
	check("cap_marks", marked, "every hit of the capped page has its "
		"snippet marked (got %s)", html != NULL ? html : "");
	free(html);
	snprintf(got, sizeof got, "%zu decades, first %s",
		res.decade.n, res.decade.n ? res.decade.v[0].value : "");
	check("cap_facets", res.decade.n > 1 && res.category.n == 1 &&
		res.category.v[0].count == HD_SEARCH_CAP, "facets count the "
		"walked matches (got %s)", got);
	hq.exact = 1;
	hq.facets = 0;
	if (hd_search(a, HD_PUBLIC, &hq, &ex, &e) != 0) {
		check("cap_exact", 0, "an exact search (got %s)", e.msg);
	} else {
		snprintf(got, sizeof got, "capped %d total %lld of %d",
			ex.capped, (long long)ex.total, ndocs);
		check("cap_exact", !ex.capped && ex.total == ndocs,
			"exact counts every match (got %s)", got);
		check("cap_same_best", ex.nhits == res.nhits,
			"both fill the page (got %s)", got);
		hd_results_release(&ex);
	}
	hd_results_release(&res);

	/* a server worker's warm-up reads the catalogue into its cache and
	 * changes no answer: the same capped page before and after */
	hq.exact = 0;
	hq.facets = 1;
	if (hd_search(a, HD_PUBLIC, &hq, &res, &e) != 0) {
		check("warm", 0, "search before warming (got %s)", e.msg);
	} else {
		warm_all(a);
		if (hd_search(a, HD_PUBLIC, &hq, &ex, &e) != 0) {
			check("warm_same", 0, "search after warming (got %s)",
				e.msg);
		} else {
			snprintf(got, sizeof got, "total %lld/%lld, hits "
				"%zu/%zu, first %lld/%lld",
				(long long)res.total, (long long)ex.total,
				res.nhits, ex.nhits,
				res.nhits ? (long long)res.hits[0].id : 0,
				ex.nhits ? (long long)ex.hits[0].id : 0);
			check("warm_same", res.total == ex.total &&
				res.nhits == ex.nhits && res.nhits > 0 &&
				res.hits[0].id == ex.hits[0].id &&
				res.hits[res.nhits - 1].id ==
				ex.hits[ex.nhits - 1].id, "the same page "
				"after warming (got %s)", got);
			hd_results_release(&ex);
		}
		hd_results_release(&res);
	}

	memset(&hq, 0, sizeof hq);
	hq.q = "番禺";
	hq.limit = 20;
	if (hd_search(a, HD_PUBLIC, &hq, &res, &e) != 0) {
		check("cap_titles", 0, "a place is searched (got %s)", e.msg);
	} else {
		snprintf(got, sizeof got, "total %lld, first %s",
			(long long)res.total,
			res.nhits ? res.hits[0].title : "");
		check("cap_titles", res.nhits == 20 &&
			strstr(res.hits[0].title, "番禺") != NULL &&
			titles_first(&res, "番禺"), "title matches first, "
			"capped or not (got %s)", got);
		hd_results_release(&res);
	}
	hd_archive_close(a);
}

/* ------------------------------------------------------ by hand */

static struct doc hand[] = {
	{ "番禺骑楼街修缮记录", "修缮工程于年内完工，资料已经整理归档。",
		"梁某华", "番禺", "建筑", 1990, 0, NULL, 0 },
	{ "会议纪要", "会上讨论骑楼的保护，骑楼街坊都发表了意见。",
		"何某芳", "前锋街", "会议", 1991, 0, NULL, 0 },
	{ "工作简报", "社区夜校开学，居民踊跃报名参加学习活动。",
		"陈某明", "前锋社区", "教育", 1992, 0, NULL, 0 },
	{ "工作简报", "社区组织居民参加学习活动，夜校报名踊跃。",
		"陈某强", "前锋社区", "教育", 1992, 0, NULL, 0 },
	{ "工作计划", "本年度计划整理资料并开放查阅服务。",
		"区某华", "沙湾", "骑楼", 1993, 0, NULL, 0 },
	{ "黨員大會記錄", "黨員大會在番禺舉行，檔案室保存了記錄。",
		"黃某強", "番禺", "黨建", 1994, 1, NULL, 0 },
	{ "档案工作总结", "年度档案工作总结，包括数字化进度。",
		"李某兰", "前锋社区", "档案", 1995, 0, NULL, 0 },
	{ "内部秘密名单", "限制利用的名单。",
		"张某某", "内部机房", "机密", 1996, 0, NULL, 0 },
	{ "防汛值班记录", "台风过后清理河涌淤泥，街坊出力。",
		"罗某生", "石楼", "救灾", 1997, 0, NULL, 0 },
	/* the same text read by OCR with doubtful confidence (by_hand) */
	{ "防汛值班记录（扫描件）", "台风过后清理河涌淤泥，街坊出力。",
		"罗某生", "石楼", "救灾", 1997, 0, NULL, 0 },
	/* NFKC makes two tokens, 1 and 2, of the one character ½ */
	{ "照片尺寸登记", "照片宽½英寸，背面有铅笔字。",
		"周某", "洛溪", "照片", 1998, 0, NULL, 0 },
	/* a body longer than a snippet's 24 positions */
	{ "卫生检查记录", "上午九时起，居委会干部与楼长逐户检查楼道卫生，清理"
		"杂物堆放点十二处，随后召开小结会，通报检查结果并布置下月"
		"工作，要求各楼长督促整改。",
		"吴某", "市桥", "卫生", 1999, 0, NULL, 0 },
	/* pinyin matches, marked by the positions of their pairs: in a
	 * text with markup characters (13), in traditional characters and
	 * across an OCR space (14), across a line break (15), never across
	 * a paragraph break or a character read otherwise (16), at the end
	 * of a body longer than a snippet (17) */
	{ "新造墟图纸登记", "图纸注明 a<b & c 字样，新造墟榄核码头一并登记。",
		"冯某", "新造", "图纸", 2000, 0, NULL, 0 },
	{ "旧照一组", "館藏欖 核舊照一組，攝於化龙新村。",
		"苏某", "化龙", "照片", 2001, 0, NULL, 0 },
	{ "渡口沿革", "渡口旧称榄\n核，水路通往新造。",
		"麦某", "新造", "交通", 2002, 0, NULL, 0 },
	{ "抄录说明", "榄\n\n核两段分开抄录；另见榄树。",
		"邝某", "新造", "抄录", 2003, 0, NULL, 0 },
	{ "搬迁记录", "居民小组清点物资，登记造册，联系车辆，分三批搬运家具"
		"和文件资料，最后一批物资于傍晚运抵新址并迁往钟村",
		"钟某", "大石", "搬迁", 2004, 0, NULL, 0 },
};

/* Text for the span rows: s[0..n) as it is. */
static void put_raw(struct hd_buf *b, const char *s, size_t n)
{
	hd_buf_add(b, s, n);
}

/* Snippet s as data, for the span rows: its text as it is (nothing
 * escaped), each mark in [], « and » where it was cut.  Caller frees. */
static char *as_spans(const struct hd_snippet *s)
{
	static const struct hd_snippet_style brackets = { put_raw, "[", "]" };
	struct hd_snippet bare = *s;
	struct hd_buf b;

	hd_buf_init(&b);
	bare.cut_before = bare.cut_after = 0;
	hd_buf_puts(&b, s->cut_before ? "«" : "");
	hd_snippet_render(&b, &bare, &brackets);
	hd_buf_puts(&b, s->cut_after ? "»" : "");
	return hd_buf_detach(&b);
}

static int by_int(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

/* Numbers (in hand[], from 1) of the hits for q (HD_PUBLIC), as "3,1",
 * in rank order or sorted; every hit's snippet into snip ("|s1|s2...",
 * each as HTML as the exhibit renders it, or with spans 1 as data:
 * as_spans). */
static void hits_of(struct hd_archive *a, const char *q, int sorted,
	char *out, size_t n, char *snip, size_t ns, int spans)
{
	const struct hd_snippet *sn;
	char *html;
	struct hd_results res;
	size_t i, len = 0, slen = 0;
	int k, num[32], nnum = 0;

	if (snip != NULL) {
		snip[0] = '\0';
	}
	if (corpus_search(a, q, 20, &res, out, n) != 0) {
		return;
	}
	for (i = 0; i < res.nhits && nnum < 32; i++) {
		num[nnum++] = corpus_number(hand,
			(int)(sizeof hand / sizeof hand[0]), res.hits[i].id);
		sn = &res.hits[i].snippet;
		if (snip != NULL && sn->text != NULL && slen + 1 < ns) {
			html = spans ? as_spans(sn) : as_html(sn);
			slen += (size_t)snprintf(snip + slen, ns - slen,
				"|%s", html);
			free(html);
		}
	}
	if (sorted) {
		qsort(num, (size_t)nnum, sizeof num[0], by_int);
	}
	for (k = 0; k < nnum && len + 8 < n; k++) {
		len += (size_t)snprintf(out + len, n - len, "%s%d",
			len ? "," : "", num[k]);
	}
	hd_results_release(&res);
}

static const struct {
	const char *name, *q, *want;
	int sorted;             /* compare the set, not the order */
	const char *why;
} ranks[] = {
	{ "rank_title_body", "骑楼", "1,5,2", 0,
		"title (1) above subject (5) above body (2)" },
	{ "rank_phrase", "社区 夜校", "3,4", 0,
		"the words side by side (3) above the same words apart (4)" },
	{ "var_simplified", "党员大会", "6", 0,
		"simplified finds traditional" },
	{ "var_traditional", "檔案", "7,6", 0, "traditional finds both" },
	{ "py_panyu", "panyu", "1,6", 0, "panyu finds 番禺" },
	{ "py_pan_yu", "pan yu", "1,6", 0, "pan yu finds 番禺" },
	{ "py_upper", "PanYu", "1,6", 0, "any case" },
	{ "py_dangan", "dangan", "7,6", 0, "dangan finds 档案 (and 檔案)" },
	{ "py_qianfeng", "qianfeng", "2,3,4,7", 1,
		"前锋 in the places (meta) of four records" },
	{ "py_shequ_yexiao", "shequ yexiao", "3,4", 0,
		"two pinyin words: both anywhere, the phrase first" },
	{ "py_english", "history", "", 0, "an English word is left alone" },
	{ "py_or_expr", "panyu OR dangan", "1,6,7", 1,
		"pinyin inside an FTS5 expression" },
	{ "py_prefix_kept", "pan*", "", 0, "a prefix query is not rewritten" },
	{ "py_fallback", "\"panyu", "1,6", 0,
		"an unbalanced quote falls back to plain words, pinyin too" },
	{ "hidden", "秘密名单", "", 0, "a restricted record is not public" },
	{ "expr_word_string", "夜校\"社区\"", "3,4", 1,
		"a word and a string side by side are two phrases (the walk "
		"quotes the word: the quotes must not merge)" },
	{ "expr_column", "title: 骑楼", "1", 0,
		"a column filter still filters" },
	{ "py_lanhe", "lanhe", "13,14,15", 1,
		"榄核 in either script, across a space or a line break; not "
		"across a paragraph break, and not 榄树" },
	{ "py_one_syllable", "lan", "", 0,
		"one syllable alone is no pinyin phrase" },
	{ "punct_only", "， 。", "", 0,
		"words of punctuation alone find nothing, and are no error" },
	{ "punct_only_plain", "\"， 。\u3000", "", 0,
		"nor in the plain-words fallback, an ideographic space last "
		"(fuzz_search)" },
	{ "py_full_run", "a a a a a a a a a", "13", 0,
		"a ninth word after a full run of pinyin-like words meets "
		"the group with an AND, not a syntax error: the word a of "
		"13 (fuzz_search)" },
	{ "punct_and", "街坊 AND ，", "", 0,
		"AND a word without a token finds nothing, as FTS5 has it" },
	{ "punct_py_before", "， lanhe", "13,14,15", 1,
		"a word of punctuation before a pinyin word is no operand" },
	{ "punct_py_after", "lanhe ，", "13,14,15", 1,
		"nor after it" },
	{ "punct_py_plain", "- lanhe", "13,14,15", 1,
		"nor in the plain-words fallback" },
	{ "punct_string", "b\"，\"c", "13", 0,
		"a string of punctuation between two words keeps them two "
		"(not bc)" },
	{ "rank_ocr_quality", "河涌淤泥", "9,10", 0,
		"clean text (9) above the same words in doubtful OCR (10, "
		"newer, which would come first on a tie)" },
};

static const struct {
	const char *name, *q, *want, *why;
} snippets[] = {
	{ "snip_trad", "档案", "<mark>檔案</mark>",
		"the document's own characters are marked" },
	{ "snip_pinyin", "panyu", "<mark>番禺</mark>",
		"a pinyin match marks both characters" },
	/* Han phrases are read by their trigrams (or their pair), which
	 * stand inside the characters they match: the marks are widened
	 * to exactly those characters (hd_snippet, fts.c) */
	{ "snip_one", "涌", "河<mark>涌</mark>淤", "one character" },
	{ "snip_two", "夜校", "社区<mark>夜校</mark>开学", "two characters" },
	{ "snip_three", "河涌淤", "清理<mark>河涌淤</mark>泥",
		"three characters, not one more" },
	{ "snip_four", "河涌淤泥", "清理<mark>河涌淤泥</mark>，",
		"four characters" },
	{ "snip_three_trad", "档案室", "<mark>檔案室</mark>保存",
		"three characters as the document writes them" },
	{ "snip_two_phrases", "社区 夜校", "<mark>社区</mark><mark>夜校</mark>",
		"two phrases side by side, each marked" },
	{ "snip_and", "清理河涌 AND 街坊",
		"<mark>清理河涌</mark>淤泥，<mark>街坊</mark>出力",
		"AND is an operator, not a phrase" },
	{ "snip_near", "NEAR(夜校 开学, 3) OR 河涌淤泥",
		"清理<mark>河涌淤泥</mark>，",
		"NEAR's distance is not a phrase: the one after it is widened "
		"as its own" },
	{ "snip_column", "title: 骑楼 OR 河涌淤泥", "清理<mark>河涌淤泥</mark>，",
		"a column name is not a phrase" },
	{ "snip_columns", "{title body}: 河涌淤泥 OR 修缮工程",
		"<mark>修缮工程</mark>于",
		"column names in braces are not phrases" },
	{ "snip_join", "\"清理\" + \"河涌淤泥\"", "<mark>清理河涌淤泥</mark>",
		"strings joined by '+' are one phrase and still match" },
	{ "snip_caret", "^台风过后", "<mark>台风过后</mark>清理",
		"a phrase that must begin its column still matches" },
	{ "snip_fraction", "1 2", "宽<mark>½</mark>英寸",
		"the marks of two tokens of one character are one" },
	{ "snip_window", "检查结果", "|…",
		"a long body is cut before the window, which shows" },
	{ "snip_window_mark", "检查结果", "通报<mark>检查结果</mark>并布置",
		"the whole phrase marked, inside the window" },
	{ "snip_escaped", "字样", "a&lt;b &amp; c <mark>字样</mark>，",
		"everything outside a mark is escaped" },
	{ "snip_py_two", "lanhe", "墟<mark>榄核</mark>码头",
		"a two-syllable match marks both characters, not one more" },
	{ "snip_py_four", "hualongxincun", "攝於<mark>化龙新村</mark>。",
		"four syllables, four characters" },
	{ "snip_py_trad_space", "lanhe", "館藏<mark>欖 核</mark>舊照",
		"traditional characters and an OCR space inside the match" },
	{ "snip_py_newline", "lanhe", "旧称<mark>榄\n核</mark>，",
		"a line break inside the match" },
	{ "snip_py_han", "新造墟 matou",
		"<mark>新造墟</mark>榄核<mark>码头</mark>",
		"a Han phrase beside a pinyin one, each marked as far as it "
		"goes" },
	{ "snip_py_overlap", "lanhe 核", "墟<mark>榄核</mark>码头",
		"a pinyin mark and a Han mark on the same character are one" },
	{ "snip_py_end", "zhongcun", "迁往<mark>钟村</mark>$",
		"a match at the very end of a long body: the window ends with "
		"it, whole" },
	{ "snip_py_window", "zhongcun", "|…", "the long body is cut before" },
	/* FTS5 drops a phrase without a token next to another, which moves
	 * the numbers of the phrases after it */
	{ "snip_punct_word", "街坊 ， 河涌淤泥",
		"清理<mark>河涌淤泥</mark>，<mark>街坊</mark>出力",
		"a word of punctuation between two phrases" },
	{ "snip_punct_pinyin", "登记 ， lanhe", "墟<mark>榄核</mark>码头",
		"a word of punctuation before a pinyin word" },
	{ "snip_punct_plain", "登记 - lanhe", "墟<mark>榄核</mark>码头",
		"the same in the plain-words fallback" },
	{ "snip_punct_near", "NEAR(街坊 ， 河涌淤泥)",
		"清理<mark>河涌淤泥</mark>，<mark>街坊</mark>出力",
		"a word of punctuation inside a NEAR group" },
};

static const struct {
	const char *name, *q, *want, *why;
} suggests[] = {
	{ "sug_chars", "番", "place:番禺:pān yú", "by the first character" },
	{ "sug_pinyin", "pany", "place:番禺:pān yú", "by pinyin typed so far" },
	{ "sug_initials", "py", "place:番禺:pān yú", "by initials" },
	{ "sug_trad", "檔案", "subject:档案:dàng àn",
		"traditional typed finds simplified; the exact term first" },
	{ "sug_title", "檔案工", "title:档案工作总结:dàng àn gōng zuò zǒng jié",
		"a title by its beginning" },
	{ "sug_trad_term", "党员", "title:黨員大會記錄:dǎng yuán dà huì jì lù",
		"simplified typed finds a traditional title" },
	{ "sug_person", "oumou", "person:区某华:ōu mǒu huá",
		"a person by the surname's reading" },
	{ "sug_subject", "jianzhu", "subject:建筑:jiàn zhù", "a subject" },
	{ "sug_hidden", "内部", "", "nothing from a restricted record" },
	{ "sug_hidden_py", "neibu", "", "not by pinyin either" },
	{ "sug_empty", "，。", "", "nothing to look up" },
};

static void suggest_first(struct hd_archive *a, const char *q, char *out,
	size_t n)
{
	struct hd_suggestion *v;
	struct hd_error e;
	size_t nv;

	out[0] = '\0';
	if (hd_suggest_public(a, q, 5, &v, &nv, &e) != 0) {
		snprintf(out, n, "error: %.200s", e.msg);
		return;
	}
	if (nv > 0) {
		snprintf(out, n, "%s:%s:%s", v[0].kind, v[0].text,
			v[0].pinyin ? v[0].pinyin : "");
	}
	hd_suggestions_free(v, nv);
}

/* Set the text quality of record id in the archive in dir, as storing
 * its pages' OCR text with their confidence does (pagetext.c; t0800 checks
 * that path with real OCR). */
static int set_quality(const char *dir, int64_t id, double q, char *why,
	size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *path = hd_xasprintf("%s/hongdang.db", dir);
	int rc;

	rc = sqlite3_open(path, &db);
	free(path);
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(db, "UPDATE records SET text_quality"
			" = ?2 WHERE id = ?1", -1, &st, NULL);
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_double(st, 2, q);
		rc = sqlite3_step(st) == SQLITE_DONE &&
			sqlite3_changes(db) == 1 ? SQLITE_OK : SQLITE_ERROR;
	}
	snprintf(why, n, "%s", db ? sqlite3_errmsg(db) : "open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* Replace the index of the archive in dir by one made with FTS5's
 * unicode61 tokenizer registered as "hongdang" (an older tokenizer, for
 * this test), drop what versions 3 and 5 added (version 4's indexes are
 * made IF NOT EXISTS) and set user_version 2. */
static int make_old(const char *dir, char *why, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	fts5_api *api = NULL;
	fts5_tokenizer tok;
	void *ud = NULL;
	char *path = hd_xasprintf("%s/hongdang.db", dir);
	int rc;

	rc = sqlite3_open(path, &db);
	free(path);
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
		sqlite3_finalize(st);
		rc = api == NULL ? SQLITE_ERROR : SQLITE_OK;
	}
	if (rc == SQLITE_OK) {
		rc = api->xFindTokenizer(api, "unicode61", &ud, &tok);
	}
	if (rc == SQLITE_OK) {
		rc = api->xCreateTokenizer(api, "hongdang", ud, &tok, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(db, "INSERT INTO search (search)"
			" VALUES ('rebuild'); DROP TABLE suggest_keys;"
			" DROP TABLE suggest; DROP INDEX records_title;"
			" DROP INDEX records_place; DROP TABLE heads;"
			" PRAGMA user_version = 2;",
			NULL, NULL, NULL);
	}
	snprintf(why, n, "%s", db ? sqlite3_errmsg(db) : "open");
	sqlite3_close(db);
	return rc;
}

/* Make the index of the archive in dir as version 10 had it, the body
 * last (title, meta, body), and set user_version 10. */
static int make_v10(const char *dir, char *why, size_t n)
{
	sqlite3 *db = NULL;
	char *path = hd_xasprintf("%s/hongdang.db", dir);
	int rc;

	rc = sqlite3_open(path, &db);
	free(path);
	if (rc == SQLITE_OK) {
		rc = hd_fts_register(db);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE search_v10 USING"
			" fts5(title, meta, body, tokenize = 'hongdang',"
			" detail = 'full');"
			" INSERT INTO search_v10 (rowid, title, meta, body)"
			" SELECT rowid, title, meta, body FROM search;"
			" DROP TABLE search;"
			" ALTER TABLE search_v10 RENAME TO search;"
			" PRAGMA user_version = 10;", NULL, NULL, NULL);
	}
	snprintf(why, n, "%s", db ? sqlite3_errmsg(db) : "open");
	sqlite3_close(db);
	return rc;
}

/* The columns of search in the archive in dir, "body,title,meta". */
static void search_columns(const char *dir, char *out, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *path = hd_xasprintf("%s/hongdang.db", dir);

	snprintf(out, n, "?");
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    hd_fts_register(db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT group_concat(name) FROM"
	    " pragma_table_info('search')", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st,
			0));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
}

/* Snippets as the library gives them (hd_snippet_read): plain text and
 * its marks, checked as as_spans writes them. */
static const struct {
	const char *name, *q, *want, *why;
} spans[] = {
	{ "span_plain", "字样", "注明 a<b & c [字样]，",
		"a snippet's text is plain, nothing escaped, and its mark "
		"holds the match's bytes" },
	{ "span_touch", "社区 夜校", "[社区][夜校]",
		"two phrases side by side are two marks that touch" },
	{ "span_cut_before", "zhongcun", "|«",
		"a window after the body's start is a flag, not a '…' in "
		"the text" },
	{ "span_end", "zhongcun", "迁往[钟村]$",
		"a window that reaches the body's end is not cut there" },
	{ "span_cut_both", "检查结果", "|«处，随后召开小结会，"
		"通报[检查结果]并布置下月工作，要求各»$",
		"a window inside a long body is cut on both sides" },
	{ "span_fraction", "1 2", "宽[½]英寸",
		"the marks of two tokens of one character are one" },
};

/* 1 when the snippets snip ("|s1|s2...") hold want, or, when want ends
 * with '$', end a snippet with the rest of it. */
static int snip_has(const char *snip, const char *want)
{
	size_t n = strlen(want);
	const char *p;
	char end[128];

	if (n == 0 || want[n - 1] != '$' || n > sizeof end) {
		return strstr(snip, want) != NULL;
	}
	memcpy(end, want, n - 1);
	end[n - 1] = '\0';
	for (p = strstr(snip, end); p != NULL; p = strstr(p + 1, end)) {
		if (p[n - 1] == '\0' || p[n - 1] == '|') {
			return 1;
		}
	}
	return 0;
}

/* The facets of q (HD_PUBLIC) as "decade 1990:5 2000:1; category ...;
 * place ...; person ...", each in the order hd_search gives (HD_PUBLIC
 * or HD_ARCHIVIST: who). */
static void facets_of(struct hd_archive *a, enum hd_audience who,
	const char *q, char *out, size_t n)
{
	struct hd_query hq;
	struct hd_results res;
	struct hd_error e;
	const struct hd_facets *f[4];
	static const char *const names[4] = { "decade", "category", "place",
		"person" };
	size_t i, j, len = 0;

	memset(&hq, 0, sizeof hq);
	hq.q = q;
	hq.limit = 20;
	hq.facets = 1;
	out[0] = '\0';
	if (hd_search(a, who, &hq, &res, &e) != 0) {
		snprintf(out, n, "error: %.200s", e.msg);
		return;
	}
	f[0] = &res.decade;
	f[1] = &res.category;
	f[2] = &res.place;
	f[3] = &res.person;
	for (i = 0; i < 4 && len < n; i++) {
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "; " :
			"", names[i]);
		for (j = 0; j < f[i]->n && len < n; j++) {
			len += (size_t)snprintf(out + len, n - len, " %s:%lld",
				f[i]->v[j].value, (long long)f[i]->v[j].count);
		}
	}
	hd_results_release(&res);
}

/* hd_search_warm over all of a small archive, 5 records a step. */
static void warm_hand(struct hd_archive *a, const char *name)
{
	struct hd_error e;
	int64_t below = INT64_MAX;
	int ok = 1, steps = 0;

	hd_err_clear(&e);
	while (below != 0 && ok && steps++ < 100) {
		ok = hd_search_warm(a, &below, 5, &e) == 0;
	}
	check(name, ok && below == 0, "warm the small archive, 5 records a "
		"step (got %s)", e.msg);
}

#define FACETS_HAND "decade 1990:5 2000:1; category WS:6; place 番禺:2 " \
	"石楼:2 大石:1 市桥:1; person 罗某生:2 吴某:1 梁某华:1 钟某:1 " \
	"黃某強:1"

/* The person facet after a record's persons changed (hand[11], 吴某 to
 * 何某新), on a reader that warmed before (another connection's commit)
 * and on the writer w itself (its own), both warm. */
/* How many times a's statement that looks up a record's persons ran. */
static int person_lookups(struct hd_archive *a)
{
	sqlite3_stmt *st = hd_sql(a, SQL_PERSONS_OF, NULL);

	return st ? sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0) : -1;
}

static void persons_changed(struct hd_archive *w, const char *dir)
{
	struct hd_agent agent = { "eval" };
	struct hd_edit ed;
	struct hd_query hq;
	struct hd_results res;
	struct hd_archive *r;
	struct hd_error e;
	char got[512], ref[64] = "";
	size_t i;
	int changed = 0;

	hd_err_clear(&e);
	if (hd_archive_open(dir, 1, &r, &e) != 0) {
		check("persons_reader", 0, "open a reader (got %s)", e.msg);
		return;
	}
	warm_hand(r, "persons_warm_reader");
	memset(&hq, 0, sizeof hq);
	hq.q = "卫生检查记录";
	hq.limit = 20;
	if (hd_search(w, HD_ARCHIVIST, &hq, &res, &e) == 0) {
		for (i = 0; i < res.nhits; i++) {
			if (res.hits[i].id == hand[11].id) {
				snprintf(ref, sizeof ref, "%s",
					res.hits[i].ref);
			}
		}
		hd_results_release(&res);
	}
	memset(&ed, 0, sizeof ed);
	ed.persons = "何某新";
	if (hd_record_edit(w, ref, &ed, &agent, &changed, &e) != 0 ||
	    changed != 1) {
		check("persons_edit", 0, "change the persons of record 12 "
			"(got %s)", e.msg);
		hd_archive_close(r);
		return;
	}
	facets_of(r, HD_ARCHIVIST, "卫生检查", got, sizeof got);
	check("facets_changed_reader", strstr(got, "person 何某新:1") != NULL &&
		strstr(got, "吴某") == NULL, "a warm reader counts the persons "
		"another connection gave the record (got %s)", got);
	facets_of(w, HD_ARCHIVIST, "卫生检查", got, sizeof got);
	check("facets_changed_writer", strstr(got, "person 何某新:1") !=
		NULL && strstr(got, "吴某") == NULL, "the warm writer counts "
		"the persons it gave the record itself (got %s)", got);
	hd_archive_close(r);
}

/* The hand-written cases: a small archive of records chosen to show one
 * ranking rule each, searched and checked row by row. */
/* What the hand archive answers to every query of ranks[], snippets[]
 * and spans[]: the hits in rank order and their snippets, one after the
 * other into out (cut at n bytes). */
static void answers(struct hd_archive *a, char *out, size_t n)
{
	char got[512], snip[512];
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof ranks / sizeof ranks[0] + sizeof snippets /
	    sizeof snippets[0] + sizeof spans / sizeof spans[0]; i++) {
		const char *q = i < sizeof ranks / sizeof ranks[0] ?
			ranks[i].q : i < sizeof ranks / sizeof ranks[0] +
			sizeof snippets / sizeof snippets[0] ?
			snippets[i - sizeof ranks / sizeof ranks[0]].q :
			spans[i - sizeof ranks / sizeof ranks[0] -
			sizeof snippets / sizeof snippets[0]].q;

		hits_of(a, q, 0, got, sizeof got, snip, sizeof snip, 1);
		if (len + 1 < n) {
			len += (size_t)snprintf(out + len, n - len,
				"%s: %s %s\n", q, got, snip);
		}
	}
}

static void by_hand(const char *dir)
{
	struct hd_agent agent = { "eval" };
	struct hd_archive *a;
	struct hd_error e;
	int64_t batch;
	char got[512], snip[512];
	static char before[16384], after[16384];
	size_t i;
	int rc, runs;

	hd_err_clear(&e);
	rc = hd_archive_init(dir, "HAND", "手工", &agent, &e);
	if (rc == 0) {
		rc = hd_archive_open(dir, 0, &a, &e);
	}
	if (rc != 0) {
		check("hand_init", 0, "create the small archive (got %s)",
			e.msg);
		return;
	}
	rc = hd_tx_begin(a, &e);
	batch = -1;
	if (rc == 0) {
		rc = hd_batch_begin(a, "HAND", "hand", &agent, &batch, &e);
	}
	for (i = 0; batch > 0 && rc == 0 && i < sizeof hand / sizeof hand[0];
	    i++) {
		rc = corpus_add_doc(a, batch, &hand[i], i == 7 ? "restricted" :
			"public", &e);
	}
	if (rc == 0 && batch > 0) {
		rc = hd_tx_commit(a, &e);
	}
	check("hand_add", rc == 0 && batch > 0, "add the records (got %s)",
		e.msg);
	hd_archive_close(a);
	rc = set_quality(dir, hand[9].id, 0.4, got, sizeof got);
	check("hand_quality", rc == SQLITE_OK, "mark record 10 as OCR text "
		"of confidence 40 (got %s)", got);
	rc = hd_archive_open(dir, 0, &a, &e);
	if (rc != 0) {
		check("hand_reopen", 0, "open the small archive again (got %s)",
			e.msg);
		return;
	}
	for (i = 0; i < sizeof ranks / sizeof ranks[0]; i++) {
		hits_of(a, ranks[i].q, ranks[i].sorted, got, sizeof got, NULL,
			0, 0);
		check(ranks[i].name, strcmp(got, ranks[i].want) == 0,
			"%s (got %s)", ranks[i].why, got);
	}
	for (i = 0; i < sizeof snippets / sizeof snippets[0]; i++) {
		hits_of(a, snippets[i].q, 0, got, sizeof got, snip,
			sizeof snip, 0);
		check(snippets[i].name, snip_has(snip, snippets[i].want),
			"%s (got %s)", snippets[i].why, snip);
	}
	for (i = 0; i < sizeof spans / sizeof spans[0]; i++) {
		hits_of(a, spans[i].q, 0, got, sizeof got, snip,
			sizeof snip, 1);
		check(spans[i].name, snip_has(snip, spans[i].want),
			"%s (got %s)", spans[i].why, snip);
	}
	runs = person_lookups(a);
	facets_of(a, HD_PUBLIC, "记录", got, sizeof got);
	check("facets_counted", strcmp(got, FACETS_HAND) == 0 &&
		person_lookups(a) - runs == 6, "each facet's values counted "
		"over the matches (記錄 too), decades in order, the rest most "
		"frequent first; the persons of the 6 matches looked up "
		"(got %s)", got);
	/* warmed inside a transaction (which might yet roll back): the
	 * persons are not kept */
	rc = hd_tx_begin(a, &e);
	warm_hand(a, "persons_warm_tx");
	hd_tx_rollback(a);
	runs = person_lookups(a);
	facets_of(a, HD_PUBLIC, "记录", got, sizeof got);
	check("facets_warm_tx", rc == 0 && strcmp(got, FACETS_HAND) == 0 &&
		person_lookups(a) - runs == 6, "persons read by a warm-up "
		"inside a transaction are looked up again (got %s)", got);
	warm_hand(a, "persons_warm");
	runs = person_lookups(a);
	facets_of(a, HD_PUBLIC, "记录", got, sizeof got);
	check("facets_warm", strcmp(got, FACETS_HAND) == 0 &&
		person_lookups(a) == runs, "the same from the persons "
		"hd_search_warm kept, none looked up (got %s)", got);
	facets_of(a, HD_PUBLIC, "名单", got, sizeof got);
	check("facets_warm_hidden", strstr(got, "张某某") == NULL,
		"a visitor's facets never name the person of a restricted "
		"record, which the warm-up kept (got %s)", got);
	facets_of(a, HD_ARCHIVIST, "名单", got, sizeof got);
	check("facets_warm_archivist", strstr(got, "person 张某某:1") != NULL,
		"the archivist's do (got %s)", got);
	persons_changed(a, dir);
	for (i = 0; i < sizeof suggests / sizeof suggests[0]; i++) {
		suggest_first(a, suggests[i].q, got, sizeof got);
		check(suggests[i].name, strcmp(got, suggests[i].want) == 0,
			"%s (got %s)", suggests[i].why, got);
	}
	answers(a, before, sizeof before);
	hd_archive_close(a);

	/* the index as version 10 made it (the body last), upgraded */
	rc = make_v10(dir, got, sizeof got);
	check("v10_made", rc == SQLITE_OK, "make the index version 10's, "
		"(title, meta, body) (got %s)", got);
	rc = hd_archive_open(dir, 0, &a, &e);
	check("v10_open", rc == 0, "open (and upgrade) it (got %s)", e.msg);
	if (rc != 0) {
		return;
	}
	answers(a, after, sizeof after);
	hd_archive_close(a);
	search_columns(dir, got, sizeof got);
	check("v11_columns", strcmp(got, "body,title,meta") == 0,
		"version 11 puts the body first (got %s)", got);
	check("v11_same_answers", strcmp(before, after) == 0, "every query "
		"of the ranking and snippet checks finds the same records in "
		"the same order, with the same snippets and marks (before:\n%s"
		"after:\n%s)", before, after);

	/* an archive of version 2, opened by a reader */
	rc = make_old(dir, got, sizeof got);
	check("old_made", rc == SQLITE_OK, "make the index an old one (got %s)",
		got);
	rc = hd_archive_open(dir, 1, &a, &e);
	check("old_open", rc == 0, "a reader opens (and upgrades) it (got %s)",
		e.msg);
	if (rc != 0) {
		return;
	}
	hits_of(a, "檔案", 0, got, sizeof got, NULL, 0, 0);
	check("old_finds_trad", strcmp(got, "7,6") == 0,
		"after the migration 檔案 finds both scripts (got %s)", got);
	suggest_first(a, "py", got, sizeof got);
	check("old_suggests", strcmp(got, "place:番禺:pān yú") == 0,
		"the migration filled the suggestions (got %s)", got);
	hd_archive_close(a);
}

/* ------------------------------------------------------ upgrade */

#define UPGRADE_RECORDS 3000    /* rebuilds of a second or two */
#define HOOK_MAX 4096

/* What the upgrade hook was told. */
static struct hook_call {
	enum hd_upgrade_event event;
	int from, to, version;
	int64_t done, total;
} calls[HOOK_MAX];
static int ncalls;

static void hook(const struct hd_upgrade *u, void *ud)
{
	(void)ud;
	if (ncalls < HOOK_MAX) {
		calls[ncalls].event = u->event;
		calls[ncalls].from = u->from;
		calls[ncalls].to = u->to;
		calls[ncalls].version = u->version;
		calls[ncalls].done = u->done;
		calls[ncalls].total = u->total;
	}
	ncalls++;
}

/* 1 when call i follows call i - 1 as the hook promises (hd.h): START,
 * then per version STEP (nothing done yet), STEPs with more done, and
 * STEP_DONE with all of it; then, when the space the rebuilds left is
 * given back, COMPACT and COMPACT_DONE (or COMPACT_SKIPPED); then DONE. */
static int follows(int i)
{
	const struct hook_call *c = &calls[i], *p = &calls[i - 1];

	if (c->from != 5 || c->to != 11 || c->done < 0 || c->done > c->total)
		return 0;
	switch (c->event) {
	case HD_UPGRADE_STEP:
		if (p->event == HD_UPGRADE_STEP) {
			return c->version == p->version && c->done >= p->done &&
				c->total == p->total;
		}
		return c->done == 0 && (p->event == HD_UPGRADE_START ?
			c->version == 6 : p->event == HD_UPGRADE_STEP_DONE &&
			c->version == p->version + 1);
	case HD_UPGRADE_STEP_DONE:
		return p->event == HD_UPGRADE_STEP &&
			c->version == p->version && c->done == c->total;
	case HD_UPGRADE_COMPACT:
		return p->event == HD_UPGRADE_STEP_DONE && c->version == 11;
	case HD_UPGRADE_COMPACT_DONE:
	case HD_UPGRADE_COMPACT_SKIPPED:
		return (p->event == HD_UPGRADE_COMPACT ||
			p->event == HD_UPGRADE_STEP_DONE) && c->version == 11;
	case HD_UPGRADE_DONE:
		return (p->event == HD_UPGRADE_STEP_DONE ||
			p->event == HD_UPGRADE_COMPACT_DONE ||
			p->event == HD_UPGRADE_COMPACT_SKIPPED) &&
			c->version == 11;
	default:
		return 0;
	}
}

/* An archive of UPGRADE_RECORDS records taken back to version 5 is
 * opened with the upgrade hook set: versions 6 and 7 (rebuilds of the
 * index), 8 (the bookings' table, no texts), 9 (a rebuild), 10 (the
 * harvest's tables) and 11 (search made again, body first) are reported
 * in order, each from nothing done to all of it, with calls in between,
 * and all of it is what the tokenizer was given; making the archive
 * reported nothing. */
static void upgraded(const char *dir)
{
	struct hd_archive *a;
	struct hd_error e;
	sqlite3 *db = NULL;
	char *path = hd_xasprintf("%s/hongdang.db", dir), got[256];
	int i, saved = ndocs, mid = 0, order, ok;
	int64_t work = 0;
	uint64_t texts;

	hd_set_upgrade_hook(hook, NULL);
	hd_err_clear(&e);
	ndocs = UPGRADE_RECORDS < saved ? UPGRADE_RECORDS : saved;
	ok = corpus_build(dir, &e) == 0;
	check("upgrade_build", ok, "build the archive (got %s)", e.msg);
	snprintf(got, sizeof got, "%d calls", ncalls);
	check("upgrade_not_on_init", ncalls == 0,
		"making a new archive is no upgrade (got %s)", got);
	if (ok && sqlite3_open(path, &db) == SQLITE_OK) {
		ok = sqlite3_exec(db, "PRAGMA user_version = 5", NULL, NULL,
			NULL) == SQLITE_OK;
	}
	sqlite3_close(db);
	texts = hd_fts_documents();
	ok = ok && hd_archive_open(dir, 0, &a, &e) == 0;
	texts = hd_fts_documents() - texts;
	check("upgrade_open", ok, "open (and upgrade) version 5 (got %s)",
		e.msg);
	if (ok) {
		hd_archive_close(a);
	}
	order = ncalls > 2 && ncalls <= HOOK_MAX &&
		calls[0].event == HD_UPGRADE_START && calls[0].version == 6;
	for (i = 1; order && i < ncalls; i++) {
		order = follows(i);
		mid |= calls[i].done > 0 && calls[i].done < calls[i].total;
		if (calls[i].event == HD_UPGRADE_STEP_DONE) {
			work += calls[i].total;
		}
	}
	snprintf(got, sizeof got, "%d calls, call %d: event %d version %d, "
		"%lld of %lld", ncalls, i - 1, i > 0 ? calls[i - 1].event : 0,
		i > 0 ? calls[i - 1].version : 0,
		i > 0 ? (long long)calls[i - 1].done : 0LL,
		i > 0 ? (long long)calls[i - 1].total : 0LL);
	check("upgrade_reported", order && calls[ncalls - 1].event ==
		HD_UPGRADE_DONE, "start, versions 6 to 11 each from 0 to "
		"all done, then done (got %s)", got);
	check("upgrade_progress", mid, "a call while a rebuild was under way "
		"(got %s)", got);
	snprintf(got, sizeof got, "%lld counted, %llu texts indexed",
		(long long)work, (unsigned long long)texts);
	check("upgrade_work_counted", work == (int64_t)texts &&
		work >= (3 * 5 + 3) * (int64_t)ndocs, "the work counted is "
		"what the four rebuilds gave the tokenizer (got %s)", got);
	hd_set_upgrade_hook(NULL, NULL);
	ndocs = saved;
	free(path);
}

int main(void)
{
	char tmpl[] = "/tmp/hd-eval-XXXXXX", *dir, *big, *small, *mid;
	const char *env = getenv("HD_EVAL_RECORDS");
	struct hd_error e;
	double t0;
	int i;

	dir = mkdtemp(tmpl);
	if (dir == NULL) {
		check("tmpdir", 0, "mkdtemp");
		return 1;
	}
	big = hd_xasprintf("%s/big", dir);
	small = hd_xasprintf("%s/small", dir);
	s2t = opencc_open("s2t.json");
	check("opencc_s2t", s2t != (opencc_t)-1, "OpenCC s2t for the corpus");
	hd_py_init();
	corpus_init();

	by_hand(small);

	ndocs = env ? atoi(env) : ASAN ? UPGRADE_RECORDS : TEST_RECORDS;
	if (ndocs < UPGRADE_RECORDS) {
		ndocs = UPGRADE_RECORDS;
	}
	docs = hd_xcalloc((size_t)ndocs, sizeof *docs);
	for (i = 0; i < ndocs; i++) {
		corpus_gen_doc(&docs[i], i);
	}
	hd_err_clear(&e);
	t0 = now_s();
	if (corpus_build(big, &e) != 0) {
		check("eval_build", 0, "build the generated archive (got %s)",
			e.msg);
	} else {
		printf("eval built %d records in %.1f s\n", ndocs,
			now_s() - t0);
		readings_init();
		t0 = now_s();
		evaluate(big);
		printf("eval queries took %.1f s\n", now_s() - t0);
		capped(big);
	}
	mid = hd_xasprintf("%s/upgrade", dir);
	upgraded(mid);
	free(mid);
	for (i = 0; i < ndocs; i++) {
		corpus_doc_release(&docs[i]);
	}
	free(docs);
	free(tread);
	free(tlen);
	if (s2t != (opencc_t)-1) {
		opencc_close(s2t);
	}
	if (getenv("HD_EVAL_KEEP") == NULL) {
		char *cmd = hd_xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0) {
			printf("note: could not remove %s\n", dir);
		}
		free(cmd);
	}
	free(big);
	free(small);
	return check_done();
}
