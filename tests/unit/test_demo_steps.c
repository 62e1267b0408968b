/*
 * test_demo_steps.c - the steps of a procedure record as the
 * demonstrations read them (exhibit/demo_steps.c), and the outline of an
 * HTML page they are read through (text_outline, ingest/extract.c).
 *
 * Each row is a procedure text, the steps it must give written
 * "title=text|title=text" (or the titles alone, "title|title", when the
 * texts are not the point of the row) and why.  The outline rows are an
 * HTML page and the text it must give.
 *
 * Prints "PASS name" or "FAIL name: why" and a last line
 * "N passed, N failed"; exits 1 on any failure.
 */
#include "../../exhibit/demo.h"
#include "../../ingest/ingest.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

static const struct {
	const char *name;
	const char *text;
	const char *want;
	const char *why;
} rows[] = {
	{"numbered-dot", "1. 登记：填写登记表。\n2. 清点：逐件核对。\n"
		"3. 入库：放入待整理柜。\n",
		"登记=填写登记表。|清点=逐件核对。|入库=放入待整理柜。",
		"the form the parser always read"},
	{"numbered-comma", "1、申请：填写申请表\n2、审批：书记批准\n"
		"3、调阅：按档号调出\n", "申请|审批|调阅",
		"1、 is how Chinese documents number"},
	{"numbered-fullwidth", "1．核对：清点件数\n2）封装：填写转递单\n"
		"3）递送：专人送达\n", "核对|封装|递送",
		"full-width stops and brackets after a number are marks of "
		"the same numbering as 1."},
	{"paren-cn", "（一）登记：填表\n（二）清点：核对\n（三）入库：上架\n",
		"登记|清点|入库", "（一） numbering"},
	{"cn-numeral", "一、登记：填表\n二、清点：核对\n三、入库：上架\n",
		"登记|清点|入库", "一、 numbering"},
	{"cn-over-num", "一、准备：\n1. 备齐表格\n2. 核对名单\n"
		"二、实施：\n1. 逐件登记\n三、总结：写出报告\n",
		"准备|实施|总结", "一、 is above 1. in official documents: the "
		"outer numbering gives the steps"},
	{"step-word", "第一步：申请\n第二步：审批\n第三步：调阅\n",
		"申请|审批|调阅", "第一步 names a step by itself"},
	{"bullets-dash", "- 申请：填写申请表\n- 审批：书记批准\n"
		"- 调阅：按档号调出\n", "申请=填写申请表|审批=书记批准|"
		"调阅=按档号调出", "Markdown bullets (the consultation record)"},
	{"bullets-dot", "• 扫描\n• 识别\n• 校对\n", "扫描|识别|校对",
		"a bullet character needs no space after it"},
	{"bullets-middle-dot", "·申请\n·审批\n·调阅\n", "申请|审批|调阅",
		"· as typed on Chinese keyboards"},
	{"headings", "# 库房规程\n\n## 温湿度\n\n每天记录两次。\n\n## 安全\n\n"
		"1. 禁止吸烟。\n2. 检查门窗。\n\n## 盘点\n\n每年盘点一次。\n",
		"温湿度=每天记录两次。|安全=禁止吸烟；检查门窗|"
		"盘点=每年盘点一次。", "three sections and an untitled "
		"list inside one: the sections are the steps; a lone # is the "
		"title"},
	{"steps-section", "## 适用范围\n\n社区材料。\n\n## 步骤\n\n"
		"1. 登记：填表。\n2. 清点：核对。\n3. 记录：录入事件。\n\n"
		"## 注意\n\n- 不得自行取出\n", "登记|清点|记录",
		"a section headed 步骤 holds the steps, whatever else there is"},
	{"steps-section-bullets", "## 办理步骤\n- 申请：填表\n- 审批：批准\n"
		"- 调阅：调出\n## 注意事项\n- 不得拆卷\n", "申请|审批|调阅",
		"bullets in the steps section, not the notes after it"},
	{"steps-subheadings", "## 流程\n### 接收\n清点件数。\n### 登记\n"
		"填写表格。\n### 入库\n上架。\n## 附则\n本规程自公布起施行。\n",
		"接收=清点件数。|登记=填写表格。|入库=上架。",
		"a steps section made of sub-headings"},
	{"two-lists-restart", "## 转出\n1. 核对：核对件数。\n2. 封装：填单。\n"
		"## 转入\n1. 核验：核对校验码。\n2. 回执：开具回执。\n",
		"核对|封装|核验|回执", "numbered lists that start again "
		"under each section all count"},
	{"titled-numbers-beat-sections", "## 适用\n范围。\n## 转出\n"
		"1. 核对：件数。\n2. 封装：填单。\n## 转入\n1. 核验：校验码。\n",
		"核对|封装|核验", "titled numbered items are the steps even "
		"with three sections"},
	{"untitled-item-title", "1. 库房内禁止吸烟、禁止存放易燃物品。\n"
		"2. 离开时检查门窗，钥匙两人保管。\n",
		"库房内禁止吸烟=库房内禁止吸烟、禁止存放易燃物品。|"
		"离开时检查门窗=离开时检查门窗，钥匙两人保管。",
		"an untitled item is titled by its first clause"},
	{"decimal-not-item", "温度 1.5 度\n2.5 是湿度\n", "",
		"1.5 is a number, not a list mark"},
	{"long-colon-not-title", "- 本条所称档案是指社区工作中形成的各类材料："
		"文书、照片\n- 其他\n", "本条所称档案是指社区…|其他",
		"a colon far into a sentence does not make a title; a long "
		"first clause is cut to ten characters"},
	{"continuation", "1. 登记：填写\n   登记表。\n2. 清点：核对。\n",
		"登记=填写登记表。|清点=核对。",
		"an indented line goes on with its item"},
	{"heading-closing-hashes", "## 一 ##\n文字。\n## 二 ##\n文字。\n"
		"## 三 ##\n文字。\n", "一|二|三", "closing #s of a heading "
		"are not its text"},
	{"no-structure", "本档案室的材料按门类分开保存。\n", "",
		"plain prose lists no steps"},
	{"empty", "", "", "nothing, no steps"},
	{"only-headings", "## 甲\n## 乙\n", "甲|乙",
		"sections when there is nothing else"},
	{"ideographic-space", "\xE3\x80\x80" "1. 登记\n\xE3\x80\x80" "2. 清点\n",
		"登记|清点", "indent by ideographic space"},
	{"hash-no-space", "#1 不是标题\n- 甲\n- 乙\n", "甲|乙",
		"#1 is not a heading"},
};

/* The steps as "title=text|..." (or titles only when want has no
 * '='). */
static char *render(json_t *steps, int texts)
{
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	for (i = 0; i < json_array_size(steps); i++) {
		json_t *st = json_array_get(steps, i);

		hd_buf_printf(&b, "%s%s", i ? "|" : "",
			json_string_value(json_object_get(st, "title")));
		if (texts) {
			hd_buf_printf(&b, "=%s", json_string_value(
				json_object_get(st, "text")));
		}
	}
	return hd_buf_detach(&b);
}

static const struct {
	const char *name;
	const char *html;
	const char *want;
	const char *why;
} outlines[] = {
	{"html-lists", "<html><head><title>题</title></head><body>"
		"<h1>规程</h1><p>说明。</p><h2>步骤</h2><ol><li>登记</li>"
		"<li>清点</li></ol><ul><li>注意</li></ul></body></html>",
		"# 规程\n\n说明。\n## 步骤\n1. 登记\n2. 清点\n- 注意",
		"headings as #, ordered items numbered, others as -, <head> "
		"left out, a paragraph after a blank line"},
	{"html-nested", "<ol><li>甲<ul><li>子</li></ul></li><li>乙</li></ol>",
		"1. 甲\n- 子\n2. 乙", "a nested list counts apart from the "
		"one around it"},
	{"html-gbk-meta", "<meta charset=\"gbk\"><h2>\xb2\xbd\xd6\xe8</h2>",
		"## 步骤", "a GBK page is decoded before it is outlined"},
};

int main(void)
{
	size_t i;
	json_t *steps;
	char *got, *o;
	int texts;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		steps = demo_steps_parse(rows[i].text);
		texts = strchr(rows[i].want, '=') != NULL;
		got = render(steps, texts);
		check(rows[i].name, strcmp(got, rows[i].want) == 0,
			"%s: got '%s', want '%s'", rows[i].why, got,
			rows[i].want);
		free(got);
		json_decref(steps);
	}
	for (i = 0; i < sizeof outlines / sizeof outlines[0]; i++) {
		o = text_outline("text/html",
			(const unsigned char *)outlines[i].html,
			strlen(outlines[i].html));
		check(outlines[i].name, o != NULL &&
			strcmp(o, outlines[i].want) == 0, "%s: got '%s'",
			outlines[i].why, o ? o : "(null)");
		free(o);
	}
	/* caps: twenty items give DEMO_STEPS_MAX steps, a long text is cut */
	{
		struct hd_buf b;
		json_t *st;
		long n;

		hd_buf_init(&b);
		for (i = 0; i < 20; i++) {
			hd_buf_printf(&b, "%zu. 步骤：", i + 1);
			if (i == 0) {
				size_t k;

				for (k = 0; k < 400; k++) {
					hd_buf_puts(&b, "长");
				}
			}
			hd_buf_puts(&b, "\n");
		}
		steps = demo_steps_parse(b.p);
		check("cap-steps", json_array_size(steps) == DEMO_STEPS_MAX,
			"20 items give %zu steps, want %d",
			json_array_size(steps), DEMO_STEPS_MAX);
		st = json_array_get(steps, 0);
		n = st ? g_utf8_strlen(json_string_value(json_object_get(st,
			"text")), -1) : 0;
		check("cap-text", n == DEMO_STEP_TEXT + 1, "a text of 400 "
			"characters is cut to %d and an ellipsis, got %ld",
			DEMO_STEP_TEXT, n);
		json_decref(steps);
		hd_buf_release(&b);
	}
	o = text_outline("image/jpeg", (const unsigned char *)"x", 1);
	check("outline-other-type", o == NULL, "an image has no outline");
	free(o);
	o = text_outline("text/markdown", (const unsigned char *)"## 甲\n",
		strlen("## 甲\n"));
	check("outline-markdown", o != NULL && strcmp(o, "## 甲\n") == 0,
		"Markdown stays as written: got '%s'", o ? o : "(null)");
	free(o);
	return check_done();
}
