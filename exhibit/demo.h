/*
 * demo.h - the demonstrations of archive procedures (档案工作演示): the
 * steps read from the archive's own procedure records (demo_steps.c).
 */
#ifndef HD_DEMO_H
#define HD_DEMO_H

#include "site.h"

/* Steps of a procedure at most, and characters of a step's text. */
#define DEMO_STEPS_MAX 12
#define DEMO_STEP_TEXT 300

/* The steps of a procedure from its text: a JSON array of {title, text}
 * (at most DEMO_STEPS_MAX, text at most DEMO_STEP_TEXT characters),
 * empty when the text lists none.  Read are numbered items ("1." "1、"
 * "1）" "（一）" "一、" "（1）" "第一步"), bullets ("-" "•" "·" "*" and
 * the like) and Markdown headings ("##"); an item "登记：填写…" is the
 * step 登记 with its text.  Which of them are the steps:
 *   1. the items (or else the sub-headings) of a section whose heading
 *      names the steps (步骤, 流程, 程序, 环节);
 *   2. else the numbered items of the outermost numbering, when there
 *      are two or more and the text has fewer than three sections or
 *      most items are titled ("登记：…");
 *   3. else three or more section headings, each with its first
 *      paragraph (or its items) as the text;
 *   4. else the items of the outermost list of any kind;
 *   5. else the section headings.
 * A first heading that is the only one of its level is the document's
 * title, not a section.  Returns a new array (caller decrefs). */
json_t *demo_steps_parse(const char *text);

/* The steps of procedure record r (loaded by hd_record_get from a): the
 * first of its files, in order, whose text (HTML read through its
 * outline, plain text and Markdown as written) gives steps, else its
 * description.  Returns a new array as demo_steps_parse does. */
json_t *demo_steps_of(struct hd_archive *a, const struct hd_record *r);

#endif
