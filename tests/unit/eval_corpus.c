/*
 * eval_corpus.c - the generated catalogue of test_search_eval.c: its
 * vocabulary, the documents drawn from a fixed seed, and the archive
 * built from them (eval_corpus.h).
 */
#include "eval_corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#define TX_RECORDS 10000

/* ------------------------------------------------------ vocabulary */

static const char *const surnames[] = {
	"陈", "李", "梁", "黄", "何", "张", "林", "罗", "郭", "冼", "麦",
	"区", "邝", "岑", "谭", "钟", "叶", "卢", "霍", "莫", "关", "苏",
	"吴", "周", "曾", "单", "解", "欧阳", "司徒", "余", "邓", "冯",
	"彭", "潘", "杜", "崔", "宋", "蔡", "汤", "骆",
};

static const char *const places[] = {
	"番禺", "沙湾", "市桥", "石楼", "钟村", "洛溪", "大石", "南村",
	"前锋社区", "前锋街", "骑楼街", "梁氏宗祠", "前锋小学", "榕树头",
	"河涌边", "莲花山", "宝墨园", "余荫山房", "留耕堂", "学宫", "厦门",
	"重庆", "长沙", "广州", "佛山", "顺德", "南海", "东莞", "中山",
	"江门", "珠江", "黄埔", "海珠", "越秀", "荔湾", "白云", "天河",
	"从化", "增城", "花都",
};

static const char *const events[] = {
	"党员大会", "夜校开学", "老旧小区改造", "加装电梯", "龙舟竞渡",
	"春节庙会", "扫盲识字", "防汛抢险", "垃圾分类", "志愿服务",
	"义诊活动", "读书分享", "粤剧演出", "醒狮表演", "居委会选举",
	"人口普查", "卫生检查", "消防演练", "植树绿化", "祠堂修缮",
	"骑楼保护", "侨批整理", "族谱编修", "敬老慰问", "困难帮扶",
	"疫苗接种", "台风救灾", "道路硬化", "路灯安装", "菜市场改造",
	"供销社成立", "合作社分红", "粮票发放", "民兵训练", "团员活动",
	"先进表彰", "退休欢送", "工厂投产", "码头搬迁", "渡口停航",
	"大桥通车", "公交开通", "地铁通车", "邮局开办", "电话安装",
	"广播站建立", "电影放映", "图书捐赠", "读书角启用", "档案移交",
	"档案数字化", "口述历史采访", "老照片征集", "展览开幕", "纪念大会",
	"国庆游园", "中秋联欢", "端午包粽", "元宵灯会", "重阳登高",
};

static const char *const doctypes[] = {
	"会议纪要", "通知", "工作总结", "情况汇报", "照片", "登记表",
	"访谈记录", "申请书", "花名册", "简报", "请示", "批复", "报告",
	"口述记录", "修缮记录", "合影",
};

static const char *const subjects[] = {
	"党建", "社区史", "改造", "读书", "档案", "民俗", "教育", "卫生",
	"安全", "交通", "商业", "侨务", "宗族", "建筑", "文艺", "体育",
	"救灾", "选举", "人口", "环境", "养老", "青年", "妇女", "儿童",
	"劳动", "市场", "节庆", "志愿", "文物", "水利",
};

static const char *const filler[] = {
	"的", "了", "在", "和", "是", "对", "与", "及", "等", "为", "由",
	"将", "并", "也", "都", "有", "从", "向", "社区", "居民", "党员",
	"工作", "档案", "群众", "街道", "会议", "活动", "服务", "管理",
	"建设", "开展", "组织", "情况", "问题", "支部", "书记", "委员会",
	"大会", "学习", "文化", "历史", "照片", "记录", "整理", "保存",
	"资料", "通知", "纪要", "志愿者", "老人", "儿童", "青年", "妇女",
	"家庭", "邻里", "改造", "维修", "安全", "检查", "环境", "卫生",
	"楼栋", "住户", "意见", "表决", "公示", "资金", "预算", "施工",
	"验收", "规划", "设计", "图书", "阅览室", "捐赠", "借阅", "查阅",
	"利用", "开放", "归档", "立卷", "案卷", "目录", "编号", "鉴定",
	"移交", "接收", "库房", "扫描", "著录", "修复", "破损", "手写",
	"油印", "信件", "日记", "笔记", "剪报", "报纸", "海报", "标语",
	"相册", "底片", "录音", "录像", "夜校", "扫盲", "学校", "老师",
	"学生", "公社", "生产队", "茶楼", "早茶", "庆祝", "成立", "周年",
	"纪念", "回忆", "口述", "访谈", "街坊", "互助", "调解", "慰问",
	"困难", "救助", "医疗", "暴雨", "积水", "修缮", "外墙", "管网",
	"消防", "绿化", "业主", "物业", "停车", "道路", "广场", "公园",
	"榕树", "青砖", "麻石", "巷口", "牌坊", "先进", "模范", "表彰",
	"奖状", "证书", "登记", "户籍", "人口", "统计", "报表", "台账",
};

/* Given-name characters: every character of U+4E00..U+9FA5 that has a
 * reading and no traditional form, about one in six, drawn with
 * Zipf-like weights so that a few are common and most are rare. */
static uint32_t given[4000];
static double given_cum[4000];
static int ngiven;

static uint64_t rng = 0x5DEECE66Dull;

/* The next number of the xorshift64 sequence from rng: the same corpus on
 * every run. */
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* See eval_corpus.h. */
int corpus_pick(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

#define PICK(v) (v[corpus_pick((int)(sizeof v / sizeof v[0]))])

/* See eval_corpus.h. */
void corpus_init(void)
{
	uint16_t rd[HD_PY_MAX];
	uint32_t cp;
	double t = 0;
	int k = 0;

	for (cp = 0x4E00; cp <= 0x9FA5 && ngiven < 4000; cp++) {
		if (hd_py_readings(cp, rd) == 0 || hd_han_fold(cp) != cp) {
			continue;
		}
		if (k++ % 6 != 0) {
			continue;
		}
		given[ngiven] = cp;
		t += 1.0 / (ngiven + 1);
		given_cum[ngiven] = t;
		ngiven++;
	}
}

/* Append to b one given-name character drawn by its weight. */
static void add_given(struct hd_buf *b)
{
	double x = (double)(rnd() % 1000000) / 1e6 * given_cum[ngiven - 1];
	int lo = 0, hi = ngiven - 1, mid, k = 0;
	char u[4];

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (given_cum[mid] < x) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	U8_APPEND_UNSAFE(u, k, given[lo]);
	hd_buf_add(b, u, (size_t)k);
}

/* A new person name: a surname and one or two given-name characters.  Caller
 * frees. */
static char *person_name(void)
{
	struct hd_buf b;

	hd_buf_init(&b);
	hd_buf_puts(&b, PICK(surnames));
	add_given(&b);
	if (corpus_pick(3) != 0) {
		add_given(&b);
	}
	return hd_buf_detach(&b);
}

/* ------------------------------------------------------ the corpus */


struct doc *docs;
int ndocs;
opencc_t s2t = (opencc_t)-1;

/* See eval_corpus.h. */
char *corpus_to_trad(char *s)
{
	char *t;

	if (s2t == (opencc_t)-1) {
		return s;
	}
	t = opencc_convert_utf8(s2t, s, strlen(s));
	if (t == NULL) {
		return s;
	}
	free(s);
	s = hd_xstrdup(t);
	opencc_convert_utf8_free(t);
	return s;
}

/* The body of document d into b: a sentence naming its person, place and an
 * event, then three to seven sentences of archive words with other people,
 * places and events among them. */
static void body_of(struct doc *d, struct hd_buf *b)
{
	int ns = 3 + corpus_pick(5), i, n, k;

	hd_buf_printf(b, "%s在%s参加%s。", d->person, d->place, PICK(events));
	for (i = 0; i < ns; i++) {
		n = 6 + corpus_pick(9);
		for (k = 0; k < n; k++) {
			switch (corpus_pick(14)) {
			case 0: {
				char *p = person_name();

				hd_buf_puts(b, p);
				free(p);
				break;
			}
			case 1:
				hd_buf_puts(b, PICK(places));
				break;
			case 2:
				hd_buf_puts(b, PICK(events));
				break;
			default:
				hd_buf_puts(b, PICK(filler));
			}
			if (k + 1 < n && corpus_pick(8) == 0) {
				hd_buf_puts(b, corpus_pick(3) ? "，" : "、");
			}
		}
		hd_buf_puts(b, corpus_pick(6) ? "。" : "！");
	}
}

/* See eval_corpus.h. */
void corpus_gen_doc(struct doc *d, int i)
{
	struct hd_buf b;
	struct hd_py_term t;
	char *title, *body, *person, *place, *subject;

	d->year = 1950 + corpus_pick(74);
	person = person_name();
	place = hd_xstrdup(PICK(places));
	subject = hd_xstrdup(PICK(subjects));
	d->trad = i % 10 == 3;
	hd_buf_init(&b);
	switch (corpus_pick(6)) {
	case 0:
		hd_buf_printf(&b, "%d年%s%s%s", d->year, place,
			PICK(events), PICK(doctypes));
		break;
	case 1:
		hd_buf_printf(&b, "%s%s%s", person, PICK(events),
			PICK(doctypes));
		break;
	case 2:
		hd_buf_printf(&b, "%s%s%s", place, person,
			PICK(doctypes));
		break;
	case 3:
		hd_buf_printf(&b, "关于%s%s的%s", place, PICK(events),
			PICK(doctypes));
		break;
	case 4:
		hd_buf_printf(&b, "%s同志%s", person, PICK(doctypes));
		break;
	default:
		hd_buf_printf(&b, "%d年%s%s%s", d->year, person, place,
			PICK(events));
	}
	title = hd_buf_detach(&b);
	d->person = person;
	d->place = place;
	body_of(d, &b);
	body = hd_buf_detach(&b);
	if (d->trad) {
		title = corpus_to_trad(title);
		body = corpus_to_trad(body);
		person = corpus_to_trad(person);
		place = corpus_to_trad(place);
		subject = corpus_to_trad(subject);
	}
	d->title = title;
	d->body = body;
	d->person = person;
	d->place = place;
	d->subject = subject;
	hd_py_term(d->title, 0, &t);
	d->folded = t.chars;
	t.chars = NULL;
	hd_py_term_release(&t);
}

/* See eval_corpus.h.  The strings of a hand-made document are literals:
 * never release one. */
void corpus_doc_release(struct doc *d)
{
	free((char *)d->title);
	free((char *)d->body);
	free((char *)d->person);
	free((char *)d->place);
	free((char *)d->subject);
	free(d->folded);
}

/* See eval_corpus.h. */
int corpus_add_doc(struct hd_archive *a, int64_t batch, struct doc *d,
	const char *access, struct hd_error *e)
{
	struct hd_agent agent = { "eval" };
	struct hd_record r;
	char date[16];
	int rc;

	hd_record_init(&r);
	r.fonds = hd_xstrdup(hd_archive_fonds(a));
	r.category = hd_xstrdup("WS");
	r.retention = hd_xstrdup("Y");
	r.access = hd_xstrdup(access);
	r.status = hd_xstrdup("approved");
	r.title = hd_xstrdup(d->title);
	r.body = hd_xstrdup(d->body);
	snprintf(date, sizeof date, "%d", d->year);
	r.date = hd_xstrdup(date);
	r.year = r.year_end = d->year;
	r.place = hd_xstrdup(d->place);
	hd_strv_add(&r.persons, &r.npersons, d->person);
	hd_strv_add(&r.subjects, &r.nsubjects, d->subject);
	rc = hd_record_add(a, batch, &r, &agent, e);
	d->id = r.id;
	hd_record_release(&r);
	return rc;
}

/* See eval_corpus.h. */
int corpus_build(const char *dir, struct hd_error *e)
{
	return corpus_build_docs(dir, docs, ndocs, e);
}

/* See eval_corpus.h. */
int corpus_build_docs(const char *dir, struct doc *v, int n,
	struct hd_error *e)
{
	struct hd_agent agent = { "eval" };
	struct hd_archive *a;
	int64_t batch = 0;
	int i, rc;

	rc = hd_archive_init(dir, "EVAL", "评测", &agent, e);
	if (rc == 0) {
		rc = hd_archive_open(dir, 0, &a, e);
	}
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (i % TX_RECORDS == 0) {
			rc = hd_tx_begin(a, e);
			if (rc == 0) {
				rc = hd_batch_begin(a, "EVAL", "eval", &agent,
					&batch, e);
			}
			if (rc != 0) {
				break;
			}
		}
		rc = corpus_add_doc(a, batch, &v[i], "public", e);
		if (rc == 0 && ((i + 1) % TX_RECORDS == 0 || i + 1 == n)) {
			rc = hd_tx_commit(a, e);
		} else if (rc != 0) {
			hd_tx_rollback(a);
		}
	}
	hd_archive_close(a);
	return rc;
}

/* See eval_corpus.h. */
int corpus_search(struct hd_archive *a, const char *q, int limit,
	struct hd_results *res, char *out, size_t n)
{
	struct hd_query hq;
	struct hd_error e;

	memset(&hq, 0, sizeof hq);
	hq.q = q;
	hq.limit = limit;
	out[0] = '\0';
	if (hd_search(a, HD_PUBLIC, &hq, res, &e) != 0) {
		snprintf(out, n, "error: %.200s", e.msg);
		return -1;
	}
	return 0;
}

/* See eval_corpus.h. */
int corpus_number(const struct doc *v, int n, int64_t id)
{
	int k;

	for (k = 0; k < n && v[k].id != id; k++) {
	}
	return k + 1;
}
