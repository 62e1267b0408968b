/*
 * test_scripts.c - search across the two Chinese scripts: a record with
 * the query's own characters ranks above one found only through folding
 * traditional to simplified (archive/fts.h, hd_rank in fts.c, put_alts
 * and walks in search.c).
 *
 * Part one builds a small archive by hand, records in simplified and in
 * traditional characters, and checks the order of the hits, row by row:
 * for one character that several fold to (麵 and 面, 髮 發 and 发, 乾 幹
 * and 干) the records with the character as typed come first, whatever
 * their field; for two or more, in the same field, the script as typed
 * first; characters t2s keeps (同志) are the query's own in either
 * script; and every query still finds the other script.  Snippets mark
 * the record's own characters.
 *
 * Part two floods the index: FLOOD records newer than the one that
 * writes 麵 (and than the one that writes 檔案) write 面 (and 档案), more
 * than the walk reads (HD_SEARCH_CAP); the record with the query's own
 * characters is still the first hit.
 *
 * Prints "PASS name" or "FAIL name: why (got ...)" per check (check.h);
 * exits 1 when a check fails.
 */
#include "../../archive/hd.h"
#include "check.h"
#include "eval_corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOD (HD_SEARCH_CAP + 100)    /* newer records of the other form */

/* Records by hand; their numbers (from 1) are what the rows name. */
static struct doc hand[] = {
	/* 1-4: 面 and 麵, in a title and in a body */
	{ "面粉厂旧址", "厂房保存完好。", "黎某", "大岗", "工业", 2001, 0,
		NULL, 0 },
	{ "麵食店招牌", "招牌為木製。", "黎某", "大岗", "商業", 2002, 1,
		NULL, 0 },
	{ "街坊座谈", "会后与老街坊见面，交流近况。", "孔某", "大岗", "会议",
		2003, 0, NULL, 0 },
	{ "小食店登記", "街口小食店以手工麵條出名。", "孔某", "大岗", "商業",
		2004, 1, NULL, 0 },
	/* 5-7: 髮, 發 and 发 */
	{ "頭髮護理講座", "講座介紹護理常識。", "韋某", "榄核", "衛生",
		2005, 1, NULL, 0 },
	{ "發展規劃草案", "街道規劃草案。", "韋某", "榄核", "規劃", 2006,
		1, NULL, 0 },
	{ "发展规划讨论稿", "讨论稿一份。", "韦某", "榄核", "规划", 2007, 0,
		NULL, 0 },
	/* 8-10: 乾 (kept in simplified text too), 干 and 幹 */
	{ "乾隆年间碑刻拓片", "拓片一幅。", "蔡某", "沙湾", "碑刻", 2008, 0,
		NULL, 0 },
	{ "干部培训班", "培训班结业。", "蔡某", "沙湾", "培训", 2009, 0,
		NULL, 0 },
	{ "幹部名冊", "名冊一份。", "蔡某", "沙湾", "人事", 2010, 1, NULL,
		0 },
	/* 11-12: one word in both scripts; 13: in a body only */
	{ "报纸剪贴", "剪贴一册。", "冼某", "石楼", "报刊", 2011, 0, NULL,
		0 },
	{ "報紙剪貼", "剪貼一冊。", "冼某", "石楼", "報刊", 2012, 1, NULL,
		0 },
	{ "街道通讯", "附报纸一份。", "冼某", "石楼", "通讯", 2013, 0, NULL,
		0 },
	/* 14-15: characters t2s keeps, beside ones it changes */
	{ "王同志来信摘要", "来信反映路灯损坏。", "王某", "化龙", "来信",
		2014, 0, NULL, 0 },
	{ "盧同志來信摘要", "來信反映街燈損壞。", "盧某", "化龙", "來信",
		2015, 1, NULL, 0 },
};

#define NHAND ((int)(sizeof hand / sizeof hand[0]))

static const struct {
	const char *name, *q, *want, *why;
} ranks[] = {
	{ "one_simplified", "面", "1,3,2,4",
		"面 as typed first, in the title (1) and in a body (3), then "
		"麵 (2, 4), which folds to it" },
	{ "one_traditional", "麵", "2,4,1,3",
		"麵 as typed first, a body (4) above a title through folding "
		"(1)" },
	{ "one_hair", "髮", "5,7,6",
		"頭髮 first; 發 and 发 (newest first) after it" },
	{ "one_develop_trad", "發", "6,7,5", "發展 first" },
	{ "one_develop", "发", "7,6,5", "发展 first" },
	{ "one_qian", "乾", "8,10,9",
		"乾隆 first, although 干部 and 幹部 are newer" },
	{ "one_gan_trad", "幹", "10,9,8", "幹部 first" },
	{ "one_gan", "干", "9,10,8", "干部 first" },
	{ "two_simplified", "报纸", "11,12,13",
		"in one field (the title) the script typed first, though 12 is "
		"newer; a title through folding (12) above a body (13)" },
	{ "two_traditional", "報紙", "12,11,13", "報紙 first" },
	{ "two_neutral", "同志", "15,14",
		"同志 is the query's own in traditional text too: the newest "
		"first" },
	{ "two_neutral_trad", "來信", "15,14", "來信 first" },
	{ "two_neutral_simplified", "来信", "14,15", "来信 first" },
	{ "both_words", "麵 招牌", "2", "two words, both needed" },
	{ "cross_phrase", "面食店", "2", "a phrase typed in simplified finds "
		"the traditional one" },
	{ "cross_three", "手工面条", "4", "four characters across scripts" },
	{ "cross_four_mixed", "来信摘要", "14,15",
		"four characters, of which 信摘要 t2s keeps: in 15 one trigram "
		"is written otherwise (來信摘) and one is not (信摘要)" },
	{ "cross_five", "反映街灯损", "15",
		"five characters, three trigrams, each written otherwise" },
	{ "cross_six", "来信反映街灯", "15",
		"six characters (four trigrams: as typed or in either script)" },
	{ "cross_or", "麵 OR 发", "7,2,4,6,5,1,3",
		"OR: the records with 麵 or 发 as typed (titles newest first, "
		"then a body), then the rest" },
	{ "not_folded", "面 NOT 麵", "",
		"NOT excludes every record that matches 麵 in either script" },
};

static const struct {
	const char *name, *q;
	int rec;
	const char *want, *why;
} snips[] = {
	{ "snip_exact", "麵", 4, "手工[麵]條", "the character as typed" },
	{ "snip_folded", "面", 4, "手工[麵]條",
		"the record's own character for a query in the other script" },
	{ "snip_phrase", "手工面条", 4, "[手工麵條]",
		"a phrase across scripts, the record's characters" },
};

/* Snippet text as it is, for hd_snippet_render. */
static void put_raw(struct hd_buf *b, const char *s, size_t n)
{
	hd_buf_add(b, s, n);
}

/* Search q (HD_PUBLIC, 20 hits) in a: the numbers of the hits in hand[]
 * ("3,1") into out, and the snippet of record rec (a number, 0: none)
 * with its marks in [] into snip.  0, or -1 (out says why). */
static int hits_of(struct hd_archive *a, const char *q, int rec, char *out,
	size_t n, char *snip, size_t ns)
{
	static const struct hd_snippet_style brackets = { put_raw, "[", "]" };
	struct hd_results res;
	struct hd_buf b;
	size_t i, len = 0;
	int k;

	if (snip != NULL) {
		snip[0] = '\0';
	}
	if (corpus_search(a, q, 20, &res, out, n) != 0) {
		return -1;
	}
	for (i = 0; i < res.nhits; i++) {
		k = corpus_number(hand, NHAND, res.hits[i].id);
		len += (size_t)snprintf(out + len, n - len, "%s%d",
			len ? "," : "", k);
		if (len >= n) {
			break;
		}
		if (snip != NULL && k == rec) {
			hd_buf_init(&b);
			hd_snippet_render(&b, &res.hits[i].snippet,
				&brackets);
			snprintf(snip, ns, "%s", b.p != NULL ? b.p : "");
			hd_buf_release(&b);
		}
	}
	hd_results_release(&res);
	return 0;
}

/* Part one: the rows and snippets on the archive at dir. */
static void by_hand(const char *dir)
{
	struct hd_archive *a;
	struct hd_error e;
	char got[256], snip[256];
	size_t i;

	hd_err_clear(&e);
	if (!check("hand_build", corpus_build_docs(dir, hand, NHAND, &e) == 0,
	    "build the archive by hand (got %s)", e.msg)) {
		return;
	}
	if (!check("hand_open", hd_archive_open(dir, 1, &a, &e) == 0,
	    "open it (got %s)", e.msg)) {
		return;
	}
	for (i = 0; i < sizeof ranks / sizeof ranks[0]; i++) {
		hits_of(a, ranks[i].q, 0, got, sizeof got, NULL, 0);
		check(ranks[i].name, strcmp(got, ranks[i].want) == 0,
			"%s: %s gives %s (got %s)", ranks[i].why, ranks[i].q,
			ranks[i].want, got);
	}
	for (i = 0; i < sizeof snips / sizeof snips[0]; i++) {
		hits_of(a, snips[i].q, snips[i].rec, got, sizeof got, snip,
			sizeof snip);
		check(snips[i].name, strstr(snip, snips[i].want) != NULL,
			"%s: %s marks %s in record %d (got %s)", snips[i].why,
			snips[i].q, snips[i].want, snips[i].rec, snip);
	}
	hd_archive_close(a);
}

/* The first hit of q in a is the record id want (and the walk was cut:
 * more matched than it reads); a check named name. */
static void first_is(struct hd_archive *a, const char *name, const char *q,
	int64_t want, const char *why)
{
	struct hd_query hq;
	struct hd_results res;
	struct hd_error e;
	char got[128];

	memset(&hq, 0, sizeof hq);
	hq.q = q;
	hq.limit = 10;
	if (hd_search(a, HD_PUBLIC, &hq, &res, &e) != 0) {
		check(name, 0, "%s (got error %s)", why, e.msg);
		return;
	}
	snprintf(got, sizeof got, "capped %d, %zu hits, first id %lld",
		res.capped, res.nhits,
		res.nhits ? (long long)res.hits[0].id : -1LL);
	check(name, res.capped && res.nhits == 10 && res.hits[0].id == want,
		"%s: %s finds record %lld first (got %s)", why, q,
		(long long)want, got);
	hd_results_release(&res);
}

/* Part two: FLOOD records that write 面 and 档案, newer than one that
 * writes 麵 and one that writes 檔案, each in its body only. */
static void flood(const char *dir)
{
	struct doc *v = hd_xcalloc(FLOOD + 2, sizeof *v);
	struct hd_archive *a;
	struct hd_error e;
	struct hd_query hq;
	struct hd_results res;
	char got[128];
	size_t i;
	int k, rc, other = 0;

	v[0] = (struct doc){ "小食店登記", "街口小食店以手工麵條出名。",
		"孔某", "大岗", "商業", 1990, 1, NULL, 0 };
	v[1] = (struct doc){ "移交清單", "舊檔案一宗。", "孔某", "大岗",
		"移交", 1991, 1, NULL, 0 };
	for (k = 2; k < FLOOD + 2; k++) {
		v[k] = (struct doc){ "会议纪要", "会后与街坊见面，整理档案。",
			"孔某", "大岗", "会议", 2000, 0, NULL, 0 };
	}
	hd_err_clear(&e);
	rc = corpus_build_docs(dir, v, FLOOD + 2, &e);
	if (!check("flood_build", rc == 0, "build %d records (got %s)",
	    FLOOD + 2, e.msg)) {
		free(v);
		return;
	}
	if (!check("flood_open", hd_archive_open(dir, 1, &a, &e) == 0,
	    "open it (got %s)", e.msg)) {
		free(v);
		return;
	}
	first_is(a, "flood_one", "麵", v[0].id, "one character among a "
		"thousand records of the character it folds to");
	first_is(a, "flood_two", "檔案", v[1].id, "two characters among a "
		"thousand records of the simplified ones");
	memset(&hq, 0, sizeof hq);
	hq.q = "面";
	hq.limit = 10;
	if (hd_search(a, HD_PUBLIC, &hq, &res, &e) != 0) {
		check("flood_other", 0, "面 is searched (got %s)", e.msg);
	} else {
		for (i = 0; i < res.nhits; i++) {
			other |= res.hits[i].id == v[0].id;
		}
		snprintf(got, sizeof got, "%zu hits, 麵 among them: %d",
			res.nhits, other);
		check("flood_other", res.nhits == 10 && !other, "面 fills its "
			"first page with records that write 面 (got %s)", got);
		hd_results_release(&res);
	}
	hd_archive_close(a);
	free(v);
}

int main(void)
{
	char tmpl[] = "/tmp/hd-scripts-XXXXXX", *dir, *path;

	dir = mkdtemp(tmpl);
	if (dir == NULL) {
		check("tmpdir", 0, "mkdtemp");
		return check_done();
	}
	path = hd_xasprintf("%s/hand", dir);
	by_hand(path);
	free(path);
	path = hd_xasprintf("%s/flood", dir);
	flood(path);
	free(path);
	hd_fs_rmtree(dir);
	return check_done();
}
