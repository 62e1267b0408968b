/*
 * optimize.c - "hongdang optimize": merge the search index into one
 * segment now (the exhibit server does it by itself when it is idle, see
 * serve --merge-idle), step by step, each step a transaction of its own.
 */
#include "cmd.h"

#define STEP_PAGES 2000         /* leaf pages a step: about 0.2 s here */

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] optimize [--json]\n\n"
	"Merge the search index into one segment.  Each batch ingested adds\n"
	"segments, and a search looks its words up in every one; merged,\n"
	"searches of a large archive take a half to a fifth of the time.\n"
	"The exhibit server merges by itself after a while without requests\n"
	"(serve --merge-idle); this does it at once, about 30 s for 200,000\n"
	"records.  Each step is a transaction of its own: searches and\n"
	"ingests may run meanwhile, and an interrupted run loses nothing.\n"
	"Then, when a tenth of the catalogue's file or more is free pages\n"
	"(left by the merge, by an upgrade that rebuilt the index, by\n"
	"records deleted), the file is made anew without them, when the\n"
	"disk has room for a copy (else a line on stderr says how much is\n"
	"needed; the merge stands).  That copy holds the archive's write\n"
	"lock while it runs (a minute or more for a large archive): an\n"
	"ingest waits for it, or is refused as busy after 10 s.\n\n"
	"  --json  machine output: {segments_before: {search, heads},\n"
	"          segments: {search, heads}, steps, seconds,\n"
	"          compact: {done, size, size_after, freed, need, room}}\n",
	.flags = CMD_IN_ORDER | CMD_WRITE,
};

/* The segment counts of the two indexes as {search, heads}. */
static json_t *segments_json(int search, int heads)
{
	return json_pack("{s:i, s:i}", "search", search, "heads", heads);
}

/* c as {done, size, size_after, freed, need, room}; done is true when
 * the space was given back. */
static json_t *compact_json(const struct hd_compact *c, int done)
{
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I}", "done", done,
		"size", (json_int_t)c->size, "size_after",
		(json_int_t)c->size_after, "freed", (json_int_t)c->freed,
		"need", (json_int_t)c->need, "room", (json_int_t)c->room);
}

/* The line saying what giving back the free pages did (rc: hd_compact's),
 * on stdout when it was done, on stderr (e) when there was no room. */
static void compact_said(int rc, const struct hd_compact *c,
	const struct hd_error *e)
{
	char *a, *b;

	if (rc == HD_ELIMIT || rc == HD_EBUSY) {
		fprintf(stderr, "hongdang: %s (the index is merged all the "
			"same)\n", e->msg);
		return;
	}
	if (rc != 0) {
		return;
	}
	a = hd_size_text((uint64_t)c->size);
	b = hd_size_text((uint64_t)c->size_after);
	printf("catalogue: %s -> %s (free pages given back)\n", a, b);
	free(a);
	free(b);
}

/* Merge the search and title indexes step by step until each is one
 * segment, then give back the catalogue's free pages when they are worth
 * it (hd_compact); report the segments before and after, the steps, the
 * time and the space (--json: as an object).  Exit 0 (also when there was
 * no room to give the space back, or another writer held the archive:
 * stderr says so), or 1 when a step fails. */
int cmd_optimize(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_compact k;
	struct hd_error e;
	int json = 0, status, more = 1, steps = 0, rc;
	int s0, h0, s1, h1;
	double t0, secs;

	status = cmd_start_json(c, &spec, &json, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	hd_err_clear(&e);
	if (hd_index_segments(c->a, &s0, &h0, &e) != 0) {
		goto fail;
	}
	t0 = hd_mono_s();
	while (more) {
		if (hd_index_merge(c->a, STEP_PAGES, &more, &e) != 0) {
			goto fail;
		}
		steps++;
	}
	if (hd_index_segments(c->a, &s1, &h1, &e) != 0) {
		goto fail;
	}
	rc = hd_compact(c->a, &k, &e);
	/* no room, or a writer (an ingest, the server) holding the
	 * archive: the merge stands, the space waits for the next run */
	if (rc < 0 && rc != HD_ELIMIT && rc != HD_EBUSY) {
		goto fail;
	}
	secs = hd_mono_s() - t0;
	if (json) {
		json_t *o = json_object();

		json_object_set_new(o, "segments_before",
			segments_json(s0, h0));
		json_object_set_new(o, "segments", segments_json(s1, h1));
		json_object_set_new(o, "steps", json_integer(steps));
		json_object_set_new(o, "seconds", json_real(secs));
		json_object_set_new(o, "compact", compact_json(&k, rc == 0));
		if (rc == HD_ELIMIT || rc == HD_EBUSY) {
			compact_said(rc, &k, &e);
		}
		return cmd_json_out(o);
	}
	printf("search index: %d segment%s -> %d; title index: %d -> %d "
		"(%d step%s, %.1f s)\n", s0, s0 == 1 ? "" : "s", s1, h0, h1,
		steps, steps == 1 ? "" : "s", secs);
	compact_said(rc, &k, &e);
	return 0;
fail:
	return cmd_fail(c, &e);
}
