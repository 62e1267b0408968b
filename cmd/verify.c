/*
 * verify.c - "hongdang verify": fixity of every object and the event
 * chain.  Exit 0 when all is well, 1 when anything is damaged, missing or
 * broken.
 */
#include "cmd.h"

#include <stdlib.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] verify [--json]\n\n"
	"Recompute the SHA-256 of every stored object and check the hash\n"
	"chain of the event log.  Exit status 1 when anything is damaged,\n"
	"missing or broken.\n\n"
	"  --json  machine output: {objects, ok, damaged, missing, chain,\n"
	"          broken_at}\n",
	.flags = CMD_IN_ORDER | CMD_WRITE,
};

/* The references of the records holding object sha, for naming it: a
 * string that lives until the next call ("?" when they cannot be
 * read). */
static const char *refs_of(struct cmd_ctx *c, const char *sha)
{
	static char *last;

	free(last);
	last = hd_object_refs(c->a, sha);
	return last != NULL ? last : "?";
}

/* Record the check v as an event "fixity" in a transaction of its own:
 * each run is one, so the archive remembers when it was last checked
 * and what was found.  0, or the library's code after a line on
 * stderr. */
static int record_fixity(struct cmd_ctx *c, const struct hd_verify *v)
{
	struct hd_error e;
	char *detail;
	int rc;

	hd_err_clear(&e);
	detail = hd_xasprintf("objects %lld, ok %lld, damaged %zu, missing "
		"%zu, events %lld, chain %s", (long long)v->objects,
		(long long)v->ok, v->ndamaged, v->nmissing,
		(long long)v->events, v->chain_ok ? "ok" : "broken");
	rc = hd_tx_begin(c->a, &e);
	if (rc == 0) {
		rc = hd_event_add(c->a, "fixity", 0, &c->agent, detail, &e);
		if (rc == 0) {
			rc = hd_tx_commit(c->a, &e);
		} else {
			hd_tx_rollback(c->a);
		}
	}
	free(detail);
	if (rc != 0) {
		cmd_err(c, 1, "the check was not recorded: %s", e.msg);
	}
	return rc;
}

/* Check every object and the event chain, record the check, report it
 * (--json: as an object).  Exit 0 when all is well, 1 when anything is
 * damaged, missing or broken or the check could not be recorded. */
int cmd_verify(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_verify v;
	struct hd_error e;
	int json = 0, status, bad;
	size_t i;

	status = cmd_start_json(c, &spec, &json, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	status = 0;
	hd_err_clear(&e);
	if (hd_verify_run(c->a, &v, &e) != 0) {
		return cmd_fail(c, &e);
	}
	bad = v.ndamaged > 0 || v.nmissing > 0 || !v.chain_ok;
	if (record_fixity(c, &v) != 0) {
		status = 1;
	}
	if (json) {
		json_t *o = json_object(), *d = json_array(), *m = json_array();

		for (i = 0; i < v.ndamaged; i++) {
			json_array_append_new(d, json_string(v.damaged[i]));
		}
		for (i = 0; i < v.nmissing; i++) {
			json_array_append_new(m, json_string(v.missing[i]));
		}
		json_object_set_new(o, "objects", json_integer(v.objects));
		json_object_set_new(o, "ok", json_integer(v.ok));
		json_object_set_new(o, "damaged", d);
		json_object_set_new(o, "missing", m);
		json_object_set_new(o, "events", json_integer(v.events));
		json_object_set_new(o, "chain",
			json_string(v.chain_ok ? "ok" : "broken"));
		json_object_set_new(o, "broken_at", v.chain_ok ? json_null() :
			json_integer(v.broken_at));
		if (!v.chain_ok) {
			json_object_set_new(o, "reason",
				json_string(v.chain_reason));
		}
		if (cmd_json_out(o) != 0) {
			status = 1;
		}
	} else {
		printf("对象 %lld 个，完好 %lld 个；事件 %lld 条\n",
			(long long)v.objects, (long long)v.ok,
			(long long)v.events);
		for (i = 0; i < v.ndamaged; i++) {
			printf("损坏  %s  %s\n", v.damaged[i],
				refs_of(c, v.damaged[i]));
		}
		for (i = 0; i < v.nmissing; i++) {
			printf("缺失  %s  %s\n", v.missing[i],
				refs_of(c, v.missing[i]));
		}
		printf("事件链：%s\n", v.chain_ok ? "完整" : "断裂");
	}
	if (bad) {
		for (i = 0; i < v.ndamaged; i++) {
			cmd_err(c, 1, "object %s is damaged (record %s)",
				v.damaged[i], refs_of(c, v.damaged[i]));
		}
		for (i = 0; i < v.nmissing; i++) {
			cmd_err(c, 1, "object %s is missing (record %s)",
				v.missing[i], refs_of(c, v.missing[i]));
		}
		if (!v.chain_ok) {
			cmd_err(c, 1, "event chain broken at event %lld: %s",
				(long long)v.broken_at, v.chain_reason);
		}
		status = 1;
	}
	hd_verify_release(&v);
	return status;
}
