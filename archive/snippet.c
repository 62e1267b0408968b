/*
 * snippet.c - what a hit shows of its record, as data: plain text, the
 * stretches of it that match the query, and whether the record's text
 * goes on around it (struct hd_snippet, hd.h).
 *
 * The library holds no HTML here: hd_snippet_read turns the value of the
 * SQL function hd_snippet() (fts.c) into that data, and the front ends
 * render it, each in one place, through hd_snippet_render with their own
 * escaping and mark strings (exhibit/ as HTML, cmd/ for the terminal).
 * A snippet is one allocation, its marks stored after its text, so a page
 * of hits costs one malloc a hit for its snippets.
 */
#include "internal.h"
#include "fts.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* See fts.h.  Two passes over raw: the first counts the text's bytes and
 * the marks, the second copies them into the one block. */
void hd_snippet_read(struct hd_snippet *s, const char *raw, size_t n)
{
	size_t i, len = 0, nmarks = 0, at, start = 0;
	int flags, open = 0;
	char *p;

	memset(s, 0, sizeof *s);
	if (raw == NULL || n == 0) {
		s->text = hd_xstrdup("");
		return;
	}
	flags = raw[0] - '0';
	s->cut_before = (flags & HD_SNIP_BEFORE) != 0;
	s->cut_after = (flags & HD_SNIP_AFTER) != 0;
	raw++;
	n--;
	for (i = 0; i < n; i++) {
		if (raw[i] == HD_SNIP_OPEN) {
			nmarks++;
		} else if (raw[i] != HD_SNIP_CLOSE) {
			len++;
		}
	}
	/* the marks start at the first multiple of their alignment past
	 * the text's NUL */
	at = (len + 1 + alignof(struct hd_mark) - 1) /
		alignof(struct hd_mark) * alignof(struct hd_mark);
	p = hd_xmalloc(at + nmarks * sizeof *s->marks);
	s->text = p;
	s->marks = nmarks > 0 ? (struct hd_mark *)(void *)(p + at) : NULL;
	len = 0;
	for (i = 0; i < n; i++) {
		if (raw[i] == HD_SNIP_OPEN) {
			if (!open) {
				open = 1;
				start = len;
			}
			continue;
		}
		if (raw[i] == HD_SNIP_CLOSE) {
			if (open && len > start) {
				s->marks[s->nmarks].off = start;
				s->marks[s->nmarks++].len = len - start;
			}
			open = 0;
			continue;
		}
		p[len++] = raw[i];
	}
	if (open && len > start) {
		s->marks[s->nmarks].off = start;
		s->marks[s->nmarks++].len = len - start;
	}
	p[len] = '\0';
	if (s->nmarks == 0) {
		s->marks = NULL;
	}
}

/* See hd.h.  The ellipsis is "…" (U+2026), as FTS5's snippet() writes
 * it. */
void hd_snippet_render(struct hd_buf *b, const struct hd_snippet *s,
	const struct hd_snippet_style *st)
{
	static const char ellipsis[] = "…";
	const char *t = s->text != NULL ? s->text : "";
	size_t i, at = 0;

	if (s->cut_before) {
		st->put(b, ellipsis, sizeof ellipsis - 1);
	}
	for (i = 0; i < s->nmarks; i++) {
		const struct hd_mark *m = &s->marks[i];

		st->put(b, t + at, m->off - at);
		hd_buf_puts(b, st->open);
		st->put(b, t + m->off, m->len);
		hd_buf_puts(b, st->close);
		at = m->off + m->len;
	}
	st->put(b, t + at, strlen(t + at));
	if (s->cut_after) {
		st->put(b, ellipsis, sizeof ellipsis - 1);
	}
}
