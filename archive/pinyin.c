/*
 * pinyin.c - Mandarin readings of Han characters: the tables the
 * tokenizer indexes pinyin from, the segmentation of typed pinyin into
 * syllables, and the reading of a whole term for suggestions.
 *
 * The readings come from the Unihan database (Debian's unicode-data,
 * turned into C tables at build time by pinyin_gen.py): every modern
 * reading of a character, most used first, at most HD_PY_MAX.  On top of
 * them sits the hand-written table below of words whose reading people
 * use although the character's most common reading differs: place names
 * (番禺 pān yú, 厦门 xià mén) and polyphonic words (银行 yín háng).  A
 * reading a word needs that the data lacks is added to its characters, so
 * it is indexed too; the word's reading is what a suggestion shows.
 *
 * Guarantees: the tables are read-only after hd_py_init (pthread_once),
 * so every function here may be called from any thread; segmentation and
 * term reading are bounded (HD_PY_SEG_MAX results, HD_PY_VARIANTS
 * variants) whatever the input.
 */
#include "fts.h"
#include "hd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

/* The generated tables (build/gen/pinyin_data.c). */
extern const char hd_py_syl[][8];
extern const int hd_py_nsyl;
extern const uint16_t hd_py_bmp[][4];
extern const uint32_t hd_py_sup_cp[];
extern const uint16_t hd_py_sup[][4];
extern const int hd_py_nsup;

/* Words read otherwise than their characters' first readings: tone
 * numbers 1-5 after each syllable, v for ü. */
static const struct {
	const char *word, *reading;
} words[] = {
	/* place names of the community and of China */
	{ "番禺", "pan1 yu2" }, { "沙湾", "sha1 wan1" },
	{ "市桥", "shi4 qiao2" }, { "石楼", "shi2 lou2" },
	{ "钟村", "zhong1 cun1" }, { "洛溪", "luo4 xi1" },
	{ "大石", "da4 shi2" }, { "南村", "nan2 cun1" },
	{ "厦门", "xia4 men2" }, { "重庆", "chong2 qing4" },
	{ "长沙", "chang2 sha1" }, { "长春", "chang2 chun1" },
	{ "长安", "chang2 an1" }, { "长江", "chang2 jiang1" },
	{ "长城", "chang2 cheng2" }, { "六安", "lu4 an1" },
	{ "丽水", "li2 shui3" }, { "台州", "tai1 zhou1" },
	{ "天台", "tian1 tai1" }, { "蚌埠", "beng4 bu4" },
	{ "乐清", "yue4 qing1" }, { "乐亭", "lao4 ting2" },
	{ "洪洞", "hong2 tong2" }, { "铅山", "yan2 shan1" },
	{ "东阿", "dong1 e1" }, { "单县", "shan4 xian4" },
	{ "莘县", "shen1 xian4" }, { "鄱阳", "po2 yang2" },
	{ "枞阳", "zong1 yang2" }, { "黄陂", "huang2 pi2" },
	{ "盱眙", "xu1 yi2" }, { "朝阳", "chao2 yang2" },
	{ "涡阳", "guo1 yang2" }, { "筠连", "jun1 lian2" },
	/* polyphonic words of archive work */
	{ "银行", "yin2 hang2" }, { "行长", "hang2 zhang3" },
	{ "行业", "hang2 ye4" }, { "音乐", "yin1 yue4" },
	{ "快乐", "kuai4 le4" }, { "重要", "zhong4 yao4" },
	{ "重新", "chong2 xin1" }, { "重建", "chong2 jian4" },
	{ "成长", "cheng2 zhang3" }, { "校长", "xiao4 zhang3" },
	{ "社长", "she4 zhang3" }, { "队长", "dui4 zhang3" },
	{ "组长", "zu3 zhang3" }, { "会长", "hui4 zhang3" },
	{ "村长", "cun1 zhang3" }, { "楼长", "lou2 zhang3" },
	{ "长期", "chang2 qi1" }, { "会计", "kuai4 ji4" },
	{ "还是", "hai2 shi4" }, { "了解", "liao3 jie3" },
	{ "觉得", "jue2 de5" }, { "数量", "shu4 liang4" },
	{ "调查", "diao4 cha2" }, { "调解", "tiao2 jie3" },
	{ "调整", "tiao2 zheng3" }, { "角色", "jue2 se4" },
	{ "档案", "dang4 an4" }, { "单位", "dan1 wei4" },
	{ "朝代", "chao2 dai4" }, { "首都", "shou3 du1" },
	{ "干部", "gan4 bu4" }, { "头发", "tou2 fa5" },
	{ "为人", "wei2 ren2" }, { "因为", "yin1 wei4" },
	{ "作为", "zuo4 wei2" }, { "宿舍", "su4 she4" },
	{ "出差", "chu1 chai1" }, { "模范", "mo2 fan4" },
	{ "曾经", "ceng2 jing1" }, { "供销社", "gong1 xiao1 she4" },
	{ "人参", "ren2 shen1" }, { "暖和", "nuan3 huo5" },
	{ "便宜", "pian2 yi5" }, { "少年", "shao4 nian2" },
	{ "传记", "zhuan4 ji4" }, { "处理", "chu3 li3" },
	{ "地方", "di4 fang5" }, { "骑楼", "qi2 lou2" },
	{ "宗祠", "zong1 ci2" }, { "大宗祠", "da4 zong1 ci2" },
	/* characters the data leaves without a reading */
	{ "〇", "ling2" },
};

/* Surnames read otherwise than the character (for person terms). */
static const struct {
	const char *name, *reading;
} surnames[] = {
	{ "区", "ou1" }, { "单", "shan4" }, { "曾", "zeng1" },
	{ "解", "xie4" }, { "乐", "yue4" }, { "朴", "piao2" },
	{ "查", "zha1" }, { "仇", "qiu2" }, { "盖", "ge3" },
	{ "覃", "qin2" }, { "缪", "miao4" }, { "翟", "zhai2" },
	{ "召", "shao4" }, { "种", "chong2" }, { "尉迟", "yu4 chi2" },
	{ "万俟", "mo4 qi2" }, { "长孙", "zhang3 sun1" },
};

#define WORD_MAX 4              /* characters in a table word */

/* A table word after init: its characters and readings. */
struct word {
	uint32_t cp[WORD_MAX];
	uint16_t rd[WORD_MAX];
	int n;
};

/* A reading the data lacks, added to a character. */
struct extra {
	uint32_t cp;
	uint16_t rd;
};

static struct word wtab[sizeof words / sizeof words[0]];
static struct word stab[sizeof surnames / sizeof surnames[0]];
static size_t nwtab, nstab;
static struct extra extras[64];
static size_t nextras;

/* Token spellings of the syllables (v -> u): by id, and sorted without
 * duplicates for segmentation. */
static char tok_by_id[512][8];
static char tsyl[512][8];
static int ntsyl;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Syllable id of a toneless spelling (v for ü), 0 when unknown. */
static int syl_id(const char *s, size_t n)
{
	int lo = 1, hi = hd_py_nsyl - 1, mid, c;
	char key[8];

	if (n == 0 || n >= sizeof key) {
		return 0;
	}
	memcpy(key, s, n);
	key[n] = '\0';
	while (lo <= hi) {
		mid = (lo + hi) / 2;
		c = strcmp(key, hd_py_syl[mid]);
		if (c == 0) {
			return mid;
		}
		if (c < 0) {
			hi = mid - 1;
		} else {
			lo = mid + 1;
		}
	}
	return 0;
}

/* Readings straight from the generated tables. */
static int table_readings(uint32_t cp, uint16_t out[HD_PY_MAX])
{
	const uint16_t *r = NULL;
	int lo = 0, hi = hd_py_nsup - 1, mid, k = 0;

	if (cp >= 0x3400 && cp <= 0x9FFF) {
		r = hd_py_bmp[cp - 0x3400];
	} else if (cp > 0xFFFF) {
		while (lo <= hi && r == NULL) {
			mid = (lo + hi) / 2;
			if (hd_py_sup_cp[mid] == cp) {
				r = hd_py_sup[mid];
			} else if (hd_py_sup_cp[mid] < cp) {
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
	}
	if (r != NULL) {
		while (k < HD_PY_MAX && r[k] != 0) {
			out[k] = r[k];
			k++;
		}
	}
	return k;
}

/* Parse "pan1 yu2" into readings; returns their number or -1. */
static int parse_reading(const char *s, uint16_t *rd, int max)
{
	int n = 0, id;
	size_t k;

	while (*s) {
		while (*s == ' ') {
			s++;
		}
		if (*s == '\0') {
			break;
		}
		for (k = 0; s[k] >= 'a' && s[k] <= 'z'; k++) {
		}
		id = syl_id(s, k);
		if (id == 0 || n == max || s[k] < '1' || s[k] > '5') {
			return -1;
		}
		rd[n++] = (uint16_t)(id << 3 | (s[k] - '0'));
		s += k + 1;
	}
	return n;
}

/* Characters of a table word, folded; returns their number or -1. */
static int parse_word(const char *s, uint32_t *cp, int max)
{
	int32_t len = (int32_t)strlen(s), i = 0;
	int n = 0;
	UChar32 c;

	while (i < len) {
		if (n == max) {
			return -1;
		}
		U8_NEXT(s, i, len, c);
		if (c < 0) {
			return -1;
		}
		cp[n++] = hd_han_fold((uint32_t)c);
	}
	return n;
}

/* Add rd to cp's readings unless it is there (same syllable). */
static void add_extra(uint32_t cp, uint16_t rd)
{
	uint16_t have[HD_PY_MAX];
	size_t i;
	int k, n = table_readings(cp, have);

	for (k = 0; k < n; k++) {
		if (have[k] >> 3 == rd >> 3) {
			return;
		}
	}
	for (i = 0; i < nextras; i++) {
		if (extras[i].cp == cp && extras[i].rd >> 3 == rd >> 3) {
			return;
		}
	}
	if (nextras < sizeof extras / sizeof extras[0]) {
		extras[nextras].cp = cp;
		extras[nextras].rd = rd;
		nextras++;
	}
}

/* Parse the n words w[i] with their readings r[i] (the tables' text) into
 * tab, and add each character's reading in a word to its readings when the
 * character tables lack it (add_extra).  A word whose characters and
 * syllables do not pair up (a typo in a table) is skipped.  Returns the
 * words kept. */
static size_t load_words(struct word *tab, const char *const *w,
	const char *const *r, size_t n)
{
	size_t i, m = 0;
	int k, nc, nr;

	for (i = 0; i < n; i++) {
		nc = parse_word(w[i], tab[m].cp, WORD_MAX);
		nr = parse_reading(r[i], tab[m].rd, WORD_MAX);
		if (nc <= 0 || nc != nr) {
			continue;   /* a typo in the table: skip the word */
		}
		tab[m].n = nc;
		for (k = 0; k < nc; k++) {
			add_extra(tab[m].cp[k], tab[m].rd[k]);
		}
		m++;
	}
	return m;
}

/* qsort order of the fixed-size syllable strings of tsyl, by strcmp. */
static int by_str(const void *x, const void *y)
{
	return strcmp((const char *)x, (const char *)y);
}

/* pthread_once body (hd_py_init): the word and surname tables parsed, and
 * the token spellings of the syllables (ü written u, so lü and lu are one)
 * listed, sorted and without repeats for hd_py_segment. */
static void init_once(void)
{
	const char *w[sizeof words / sizeof words[0]];
	const char *r[sizeof words / sizeof words[0]];
	size_t i;
	int k, m;

	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		w[i] = words[i].word;
		r[i] = words[i].reading;
	}
	nwtab = load_words(wtab, w, r, sizeof words / sizeof words[0]);
	for (i = 0; i < sizeof surnames / sizeof surnames[0]; i++) {
		w[i] = surnames[i].name;
		r[i] = surnames[i].reading;
	}
	nstab = load_words(stab, w, r,
		sizeof surnames / sizeof surnames[0]);
	/* token spellings: lv -> lu, nve -> nue; duplicates dropped */
	for (k = 1; k < hd_py_nsyl && k < 512; k++) {
		snprintf(tok_by_id[k], sizeof tok_by_id[0], "%s",
			hd_py_syl[k]);
		for (m = 0; tok_by_id[k][m]; m++) {
			if (tok_by_id[k][m] == 'v') {
				tok_by_id[k][m] = 'u';
			}
		}
		memcpy(tsyl[ntsyl++], tok_by_id[k], sizeof tsyl[0]);
	}
	qsort(tsyl, (size_t)ntsyl, sizeof tsyl[0], by_str);
	for (k = 1, m = 1; k < ntsyl; k++) {
		if (strcmp(tsyl[k], tsyl[m - 1]) != 0) {
			memcpy(tsyl[m++], tsyl[k], sizeof tsyl[0]);
		}
	}
	ntsyl = ntsyl > 0 ? m : 0;
}

/* See fts.h.  Every function of this file calls it; calling it again costs a
 * pthread_once. */
void hd_py_init(void)
{
	pthread_once(&once, init_once);
}

/* See fts.h.  The character table's readings first, then those only the word
 * tables give it. */
int hd_py_readings(uint32_t cp, uint16_t out[HD_PY_MAX])
{
	size_t i;
	int n;

	hd_py_init();
	n = table_readings(cp, out);
	for (i = 0; i < nextras && n < HD_PY_MAX; i++) {
		if (extras[i].cp == cp) {
			out[n++] = extras[i].rd;
		}
	}
	return n;
}

/* See fts.h.  Readings of one syllable in another tone count as the same. */
int hd_py_readings2(uint32_t orig, uint32_t folded,
	uint16_t out[HD_PY_MAX])
{
	uint16_t more[HD_PY_MAX];
	int n, m, i, k;

	n = hd_py_readings(orig, out);
	if (folded == orig) {
		return n;
	}
	m = hd_py_readings(folded, more);
	for (i = 0; i < m && n < HD_PY_MAX; i++) {
		for (k = 0; k < n && out[k] >> 3 != more[i] >> 3; k++) {
		}
		if (k == n) {
			out[n++] = more[i];
		}
	}
	return n;
}

/* See fts.h. */
const char *hd_py_syllable(int id)
{
	if (id <= 0 || id >= hd_py_nsyl || id >= 512) {
		return "";
	}
	hd_py_init();
	return tok_by_id[id];
}

/* ------------------------------------------------------ segmentation */

/* 1 when w[0..n) is a syllable (token spelling). */
static int is_syl(const char *w, size_t n)
{
	char key[8];

	if (n == 0 || n >= sizeof key) {
		return 0;
	}
	memcpy(key, w, n);
	key[n] = '\0';
	return bsearch(key, tsyl, (size_t)ntsyl, sizeof tsyl[0], by_str) !=
	    NULL;
}

struct seg {
	const char *w;
	size_t n;
	unsigned char ok[HD_PY_WORD_MAX + 1];  /* suffix from i segments */
	int cut[HD_PY_WORD_MAX];                /* syllable ends so far */
	char (*out)[HD_PY_SEGBUF];
	int nout, max;
};

/* Depth-first, longest syllable first, only into suffixes that can be
 * completed: every call adds a syllable or a result, so the search
 * visits at most max * n nodes. */
static void seg_walk(struct seg *s, size_t i, int ncut)
{
	size_t len, k, p;
	int c;

	if (s->nout == s->max) {
		return;
	}
	if (i == s->n) {
		char *o = s->out[s->nout++];

		for (c = 0, p = 0, k = 0; c < ncut; c++) {
			if (c > 0) {
				o[p++] = '\'';
			}
			for (; k < (size_t)s->cut[c]; k++) {
				o[p++] = s->w[k];
			}
		}
		o[p] = '\0';
		return;
	}
	for (len = 6; len >= 1; len--) {
		if (i + len <= s->n && s->ok[i + len] &&
		    is_syl(s->w + i, len)) {
			s->cut[ncut] = (int)(i + len);
			seg_walk(s, i + len, ncut + 1);
		}
	}
}

/* See fts.h.  The letters are lower-cased and v read as u before the search. */
int hd_py_segment(const char *w, size_t n, char out[][HD_PY_SEGBUF],
	int max)
{
	struct seg s;
	char low[HD_PY_WORD_MAX];
	size_t i, len;

	if (n == 0 || n > HD_PY_WORD_MAX || max <= 0) {
		return 0;
	}
	hd_py_init();
	for (i = 0; i < n; i++) {
		char c = w[i];

		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		if (c < 'a' || c > 'z') {
			return 0;
		}
		low[i] = c == 'v' ? 'u' : c;
	}
	memset(&s, 0, sizeof s);
	s.w = low;
	s.n = n;
	s.out = out;
	s.max = max;
	s.ok[n] = 1;
	for (i = n; i-- > 0;) {
		for (len = 1; len <= 6 && i + len <= n && !s.ok[i]; len++) {
			s.ok[i] = s.ok[i + len] && is_syl(low + i, len);
		}
	}
	if (!s.ok[0]) {
		return 0;
	}
	seg_walk(&s, 0, 0);
	return s.nout;
}

/* ------------------------------------------------------ display */

/* See fts.h.  The mark goes where pinyin writes it (on a or e, on the o
 * of ou, else on the last vowel), v is written ü, and the neutral tone
 * (5) has none. */
void hd_py_toned(uint16_t rd, char out[16])
{
	static const char *const marks[6][6] = {
		/* a, e, i, o, u, ü with tones 1-4 (index 0 unused) */
		{ "", "", "", "", "", "" },
		{ "ā", "ē", "ī", "ō", "ū", "ǖ" },
		{ "á", "é", "í", "ó", "ú", "ǘ" },
		{ "ǎ", "ě", "ǐ", "ǒ", "ǔ", "ǚ" },
		{ "à", "è", "ì", "ò", "ù", "ǜ" },
		{ "", "", "", "", "", "" },
	};
	static const char vowels[] = "aeiouv";
	const char *s = hd_py_syl[(rd >> 3) < hd_py_nsyl ? rd >> 3 : 0];
	int tone = rd & 7, at = -1, i, p = 0;
	const char *v;

	/* the mark goes on a or e, on the o of ou, else the last vowel */
	for (i = 0; s[i]; i++) {
		if (s[i] == 'a' || s[i] == 'e') {
			at = i;
			break;
		}
	}
	if (at < 0 && (v = strstr(s, "ou")) != NULL) {
		at = (int)(v - s);
	}
	for (i = 0; at < 0 && s[i]; i++) {
		if (strchr(vowels, s[i]) != NULL) {
			at = i;
			while (s[at + 1] && strchr(vowels, s[at + 1])) {
				at++;
			}
		}
	}
	for (i = 0; s[i] && p < 12; i++) {
		int vi = (int)(strchr(vowels, s[i]) ? strchr(vowels, s[i]) -
		    vowels : -1);

		if (vi >= 0 && (i == at) && tone >= 1 && tone <= 4) {
			memcpy(out + p, marks[tone][vi],
				strlen(marks[tone][vi]));
			p += (int)strlen(marks[tone][vi]);
		} else if (s[i] == 'v') {
			memcpy(out + p, "ü", 2);
			p += 2;
		} else {
			out[p++] = s[i];
		}
	}
	out[p] = '\0';
}

/* ------------------------------------------------------ terms */

#define UNIT_MAX 64             /* characters and words of a term read */

/* One unit of a term: a Han character with its readings, or a word. */
struct unit {
	uint32_t cp;            /* 0 for a word */
	uint16_t rd[HD_PY_MAX];
	int nrd;
	int fixed;              /* rd[0] was chosen by a table word */
	char text[HD_TOK_MAX + 1];
};

struct units {
	struct unit u[UNIT_MAX];
	int n;
	const char *text;       /* what is read, for the original characters */
	int ntext;
};

/* Tokenizer callback of the units of a text (ctx: struct units): each
 * token that is not colocated becomes a unit, and one that is a single
 * character (the tokenizer gives it as written) is folded and gets its
 * readings, the character as written first.  Always 0 (the walk goes
 * on); units past UNIT_MAX are dropped. */
static int collect_unit(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end)
{
	struct units *us = ctx;
	struct unit *u;
	int32_t cp, orig;
	int k = 0;

	(void)start;
	(void)end;
	if (tflags != 0 || us->n == UNIT_MAX) {
		return 0;
	}
	u = &us->u[us->n++];
	memset(u, 0, sizeof *u);
	memcpy(u->text, tok, (size_t)ntok);
	u->text[ntok] = '\0';
	orig = hd_one_char(tok, ntok);
	if (orig >= 0) {
		/* the character as written reads first (乾隆: qián) */
		cp = (int32_t)hd_han_fold((uint32_t)orig);
		U8_APPEND_UNSAFE(u->text, k, cp);
		u->text[k] = '\0';
		u->nrd = hd_py_readings2((uint32_t)orig, (uint32_t)cp,
			u->rd);
		if (u->nrd > 0) {
			u->cp = (uint32_t)cp;
		}
	}
	return 0;
}

/* Length of the table word of tab matching at unit i, 0 when none; the
 * longest wins. */
static int match_word(const struct units *us, int i, const struct word *tab,
	size_t ntab, size_t *which)
{
	size_t k;
	int j, best = 0;

	for (k = 0; k < ntab; k++) {
		if (tab[k].n <= best || i + tab[k].n > us->n) {
			continue;
		}
		for (j = 0; j < tab[k].n; j++) {
			if (us->u[i + j].cp != tab[k].cp[j]) {
				break;
			}
		}
		if (j == tab[k].n) {
			best = tab[k].n;
			*which = k;
		}
	}
	return best;
}

/* Put reading rd first among unit u's readings and fix it. */
static void fix_reading(struct unit *u, uint16_t rd)
{
	int k;

	for (k = 0; k < u->nrd; k++) {
		if (u->rd[k] >> 3 == rd >> 3) {
			break;
		}
	}
	if (k == u->nrd) {
		if (u->nrd == HD_PY_MAX) {
			k = HD_PY_MAX - 1;
		} else {
			u->nrd++;
		}
	}
	for (; k > 0; k--) {
		u->rd[k] = u->rd[k - 1];
	}
	u->rd[0] = rd;
	u->fixed = 1;
}

/* Fix the readings words decide: for HD_PY_PERSON, a surname at the start of
 * the term (区 ōu), then, from left to right, the longest table word at each
 * character not fixed yet (番禺 pān yú); a fixed reading moves first among
 * the unit's readings. */
static void apply_words(struct units *us, int flags)
{
	size_t which = 0;
	int i, j, len;

	if ((flags & HD_PY_PERSON) != 0) {
		len = match_word(us, 0, stab, nstab, &which);
		for (j = 0; j < len; j++) {
			fix_reading(&us->u[j], stab[which].rd[j]);
		}
	}
	for (i = 0; i < us->n; i++) {
		if (us->u[i].cp == 0 || us->u[i].fixed) {
			continue;
		}
		len = match_word(us, i, wtab, nwtab, &which);
		for (j = 0; j < len; j++) {
			if (!us->u[i + j].fixed) {
				fix_reading(&us->u[i + j], wtab[which].rd[j]);
			}
		}
		if (len > 0) {
			i += len - 1;
		}
	}
}

/* The reading of the units with unit `alt` read as its reading `r`
 * (alt < 0: every unit its first reading), toneless and concatenated,
 * and its initials. */
static void read_variant(const struct units *us, int alt, int r,
	struct hd_buf *py, struct hd_buf *ini)
{
	const struct unit *u;
	const char *s;
	int i;

	for (i = 0; i < us->n; i++) {
		u = &us->u[i];
		if (u->cp == 0) {
			s = u->text;
		} else {
			s = hd_py_syllable(u->rd[i == alt ? r : 0] >> 3);
		}
		hd_buf_puts(py, s);
		hd_buf_add(ini, s, 1);
	}
}

/* 1 when one of the n strings of v equals s. */
static int has_str(char *const *v, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Add the variant in py/ini (taking the bytes) unless already there. */
static void add_variant(struct hd_py_term *t, struct hd_buf *py,
	struct hd_buf *ini)
{
	char *p = hd_buf_detach(py), *q = hd_buf_detach(ini);

	if (t->npinyin < HD_PY_VARIANTS && !has_str(t->pinyin, t->npinyin,
	    p)) {
		t->pinyin[t->npinyin++] = p;
	} else {
		free(p);
	}
	if (t->ninitials < HD_PY_VARIANTS && !has_str(t->initials,
	    t->ninitials, q)) {
		t->initials[t->ninitials++] = q;
	} else {
		free(q);
	}
}

/* See fts.h.  Variant 0 is the words' and usual readings; the next ones
 * read one polyphonic character not fixed by a word in each of its other
 * readings, first characters first, up to HD_PY_VARIANTS and without
 * repeats.  Returns 0. */
int hd_py_term(const char *s, int flags, struct hd_py_term *t)
{
	struct units *us = hd_xcalloc(1, sizeof *us);
	struct hd_buf py, ini, chars, disp;
	char toned[16];
	int i, r, han = 0;

	memset(t, 0, sizeof *t);
	us->text = s;
	us->ntext = s ? (int)strlen(s) : 0;
	hd_tokenize(s, us->ntext, HD_TOK_DOCUMENT, us, collect_unit);
	apply_words(us, flags);
	hd_buf_init(&chars);
	hd_buf_init(&disp);
	for (i = 0; i < us->n; i++) {
		const struct unit *u = &us->u[i];

		hd_buf_puts(&chars, u->text);
		if (disp.len > 0) {
			hd_buf_puts(&disp, " ");
		}
		if (u->cp != 0) {
			han = 1;
			hd_py_toned(u->rd[0], toned);
			hd_buf_puts(&disp, toned);
		} else {
			hd_buf_puts(&disp, u->text);
		}
	}
	t->chars = hd_buf_detach(&chars);
	if (han) {
		t->display = hd_buf_detach(&disp);
	} else {
		hd_buf_release(&disp);
	}
	hd_buf_init(&py);
	hd_buf_init(&ini);
	read_variant(us, -1, 0, &py, &ini);
	add_variant(t, &py, &ini);
	/* then each polyphonic character read otherwise, first ones first */
	for (i = 0; i < us->n && t->npinyin < HD_PY_VARIANTS; i++) {
		if (us->u[i].cp == 0 || us->u[i].fixed) {
			continue;
		}
		for (r = 1; r < us->u[i].nrd; r++) {
			read_variant(us, i, r, &py, &ini);
			add_variant(t, &py, &ini);
		}
	}
	hd_buf_release(&py);
	hd_buf_release(&ini);
	free(us);
	return 0;
}

/* Free what *t holds and zero it; accepts NULL. */
void hd_py_term_release(struct hd_py_term *t)
{
	int i;

	if (t == NULL) {
		return;
	}
	free(t->chars);
	free(t->display);
	for (i = 0; i < t->npinyin; i++) {
		free(t->pinyin[i]);
	}
	for (i = 0; i < t->ninitials; i++) {
		free(t->initials[i]);
	}
	memset(t, 0, sizeof *t);
}
