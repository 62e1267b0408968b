/*
 * fuzz_oai.c - libFuzzer target for OAI-PMH (archive/oai.c): the
 * arguments a harvester sends and the resumption tokens it hands back.
 *
 * A scratch archive is made once (on /dev/shm when there is one): 130
 * approved public records of 文书 (so lists run over two pages) with
 * markup and Chinese in their fields, two public photos of class DJ, and
 * records no harvester may see: a restricted one, an internal one, a
 * pending one, and a public one withdrawn after it was published (a
 * deleted header, no metadata).  An input is a query string, decoded as
 * the server decodes one (http_parse_params; one it refuses is never
 * asked), whose fields become the arguments; a second line, if any, is a
 * token's payload, sealed with the archive's key as oai.c seals its own
 * (checked once against a token the archive gave out) and added as
 * resumptionToken, so inputs reach the cursor's reading behind the seal.
 * Invariants:
 *  - hd_oai_respond returns 0, and the answer is well-formed XML:
 *    OAI-PMH with responseDate, request, then errors or one element
 *    named after the verb;
 *  - after badVerb or badArgument the request element has no
 *    attributes;
 *  - nothing of a record no harvester may see (title, reference code)
 *    appears outside the request and error elements (which echo what
 *    was asked), and every header names a public record, or the
 *    withdrawn one marked deleted and without metadata;
 *  - a list's resumption token, followed, answers the next page without
 *    an error: no header of the first page again, the same
 *    completeListSize, and a cursor counting the first page's records.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include "../../archive/internal.h"
#include "../../exhibit/http.h"

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

#define NS_OAI "http://www.openarchives.org/OAI/2.0/"
#define PREFIX "oai:hongdang:"
#define BASE "http://127.0.0.1:8080/oai"
#define NPUBLIC 130

static struct hd_archive *arch;
static char scratch[64];                /* its folder */
static struct hd_agent agent = { "fuzz" };
static unsigned char key[32];           /* the tokens' seal */
static char **public_refs;              /* visible: full records */
static size_t npublic;
static char *withdrawn_ref;             /* a deleted header only */
static char *hidden[16];                /* never shown: titles, codes */
static size_t nhidden;

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "invariant broken: %s: %s\n", what, detail);
	abort();
}

/* ------------------------------------------------------------ setup */

/* Add a record; its reference code into *ref (a new string). */
static void add(int64_t batch, const char *title, const char *cat,
	const char *cls, const char *access, const char *status, char **ref)
{
	struct hd_record r;
	struct hd_error e;

	hd_record_init(&r);
	r.fonds = hd_xstrdup("QF01");
	r.category = hd_xstrdup(cat);
	r.retention = hd_xstrdup("Y");
	r.cls = cls != NULL ? hd_xstrdup(cls) : NULL;
	r.access = hd_xstrdup(access);
	r.status = hd_xstrdup(status);
	r.title = hd_xstrdup(title);
	r.creator = hd_xstrdup("番禺县人民政府 <办公室> & \"档案股\"");
	r.description = hd_xstrdup("台风过后\x01清理河涌淤泥，街坊出力。"
		"]]> <![CDATA[ x");
	r.place = hd_xstrdup("市桥街");
	r.date = hd_xstrdup("1953-07-01");
	r.year = r.year_end = 1953;
	hd_strv_add(&r.subjects, &r.nsubjects, "河涌整治");
	hd_strv_add(&r.persons, &r.npersons, "张三");
	if (hd_record_add(arch, batch, &r, &agent, &e) != 0) {
		fail("add", e.msg);
	}
	*ref = hd_xstrdup(r.ref);
	hd_record_release(&r);
}

/* The seal's key, as oai.c's token_key makes it: the SHA-256 (hex) of
 * the archive's first event hash and fonds, its first 32 bytes. */
static void read_key(void)
{
	struct hd_error e;
	sqlite3_stmt *st = hd_sql(arch, SQL_EVENT_FIRST, &e);
	const char *h = NULL;
	char seed[160];

	if (st == NULL) {
		fail("first event", e.msg);
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		h = (const char *)sqlite3_column_text(st, 0);
	}
	snprintf(seed, sizeof seed, "hongdang-oai-token:%s:%s", h ? h : "",
		hd_archive_fonds(arch));
	sqlite3_reset(st);
	hd_sha256_hex(seed, strlen(seed), seed);
	memcpy(key, seed, 32);
}

/* Payload p[0..n) sealed as oai.c seals a token: its bytes in hex, '.',
 * the first 16 bytes of its HMAC-SHA256 in hex.  A new string. */
static char *seal(const char *p, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char *tok = hd_xmalloc(2 * n + 34);

	if (HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)p, n,
	    md, &len) == NULL) {
		fail("HMAC", "");
	}
	hd_hex((const unsigned char *)p, n, tok);
	tok[2 * n] = '.';
	hd_hex(md, 16, tok + 2 * n + 1);
	return tok;
}

static xmlNodePtr child(xmlNodePtr n, const char *name);
static char *ask(const struct hd_oai_arg *args, size_t nargs);

/* A token the archive gave out, unsealed and sealed again here, must
 * come out the same: else the seal here is not oai.c's. */
static void check_seal(void)
{
	struct hd_oai_arg args[2] = {
		{"verb", "ListIdentifiers"}, {"metadataPrefix", "oai_dc"},
	};
	char *xml = ask(args, 2), *text, *dot, *p, *again;
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
		XML_PARSE_NONET);
	xmlNodePtr t = doc != NULL ? child(child(xmlDocGetRootElement(doc),
		"ListIdentifiers"), "resumptionToken") : NULL;
	size_t i, n;

	text = t != NULL ? (char *)xmlNodeGetContent(t) : NULL;
	dot = text != NULL ? strchr(text, '.') : NULL;
	if (dot == NULL) {
		fail("no resumption token to check the seal with", xml);
	}
	n = (size_t)(dot - text) / 2;
	p = hd_xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		p[i] = (char)(g_ascii_xdigit_value(text[2 * i]) * 16 +
			g_ascii_xdigit_value(text[2 * i + 1]));
	}
	again = seal(p, n);
	if (strcmp(again, text) != 0) {
		fail("the seal here is not oai.c's", text);
	}
	free(again);
	free(p);
	xmlFree(text);
	xmlFreeDoc(doc);
	free(xml);
}

/* atexit: close and remove the scratch archive. */
static void cleanup(void)
{
	hd_archive_close(arch);
	hd_fs_rmtree(scratch);
}

/* The scratch archive (see the file comment), removed at the exit. */
static void setup(void)
{
	char *dir, title[128], *ref;
	struct stat st;
	struct hd_error e;
	int64_t batch;
	size_t i;

	snprintf(scratch, sizeof scratch, "%s/hd-fuzz-oai-XXXXXX",
		stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ?
		"/dev/shm" : "/tmp");
	dir = mkdtemp(scratch);
	if (dir == NULL || hd_archive_init(dir, "QF01", "前锋社区档案室",
	    &agent, &e) != 0 || hd_archive_open(dir, 0, &arch, &e) != 0 ||
	    hd_tx_begin(arch, &e) != 0 ||
	    hd_batch_begin(arch, "QF01", "fuzz", &agent, &batch, &e) != 0) {
		fail("setup", dir != NULL ? e.msg : "mkdtemp");
	}
	public_refs = hd_xcalloc(NPUBLIC + 3, sizeof *public_refs);
	for (i = 0; i < NPUBLIC; i++) {
		snprintf(title, sizeof title, "公开档案第 %zu 件：社区历史 & "
			"<老街> \"记忆\"", i + 1);
		add(batch, title, "WS", "SQ", "public", "approved",
			&public_refs[npublic++]);
	}
	add(batch, "党建活动照片", "ZP", "DJ", "public", "approved",
		&public_refs[npublic++]);
	add(batch, "党员大会合影", "ZP", "DJ", "public", "approved",
		&public_refs[npublic++]);
	hidden[nhidden++] = hd_xstrdup("张三人事档案：机密内容");
	add(batch, hidden[nhidden - 1], "RS", NULL, "restricted", "approved",
		&hidden[nhidden]);
	nhidden++;
	hidden[nhidden++] = hd_xstrdup("内部工作记录：不对外");
	add(batch, hidden[nhidden - 1], "WS", "SQ", "internal", "approved",
		&hidden[nhidden]);
	nhidden++;
	hidden[nhidden++] = hd_xstrdup("待审核的档案：尚未公开");
	add(batch, hidden[nhidden - 1], "WS", "SQ", "public", "pending",
		&hidden[nhidden]);
	nhidden++;
	hidden[nhidden++] = hd_xstrdup("撤回的档案：曾经公开");
	add(batch, hidden[nhidden - 1], "WS", "SQ", "public", "approved",
		&withdrawn_ref);
	if (hd_tx_commit(arch, &e) != 0 ||
	    hd_review_withdraw(arch, withdrawn_ref, "发现隐私问题", &agent,
	    &e) != 0) {
		fail("setup", e.msg);
	}
	for (i = 1; i < 6; i += 2) {
		ref = hd_ref_dotted(hidden[i]);        /* as in record URLs */
		hidden[nhidden++] = ref;
	}
	atexit(cleanup);
	read_key();
	check_seal();
}

/* ------------------------------------------------------------ asking */

/* The answer to args[0..nargs), as a new string; hd_oai_respond must
 * succeed. */
static char *ask(const struct hd_oai_arg *args, size_t nargs)
{
	struct hd_oai_req q;
	struct hd_error e;
	struct hd_buf b;

	memset(&q, 0, sizeof q);
	q.base_url = BASE;
	q.record_url = "http://127.0.0.1:8080/record/";
	q.args = args;
	q.nargs = nargs;
	hd_buf_init(&b);
	hd_err_clear(&e);
	if (hd_oai_respond(arch, &q, &b, &e) != 0) {
		fail("hd_oai_respond failed", e.msg);
	}
	return hd_buf_detach(&b);
}

/* The first element child of n called name, or NULL. */
static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	xmlNodePtr c;

	for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(c->name, BAD_CAST name) == 0) {
			return c;
		}
	}
	return NULL;
}

/* 1 when s holds a title or reference code no harvester may see. */
static int shows_hidden(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		if (hidden[i] != NULL && strstr(s, hidden[i]) != NULL) {
			return 1;
		}
	}
	return 0;
}

/* The reference code an identifier names (a new string), or NULL. */
static char *id_ref(const char *id)
{
	if (strncmp(id, PREFIX, strlen(PREFIX)) != 0) {
		return NULL;
	}
	return g_uri_unescape_string(id + strlen(PREFIX), NULL);
}

/* 1 when ref is one of the public records. */
static int is_public(const char *ref)
{
	size_t i;

	for (i = 0; i < npublic; i++) {
		if (strcmp(public_refs[i], ref) == 0) {
			return 1;
		}
	}
	return 0;
}

/* A <header>: a public record, or the withdrawn one marked deleted
 * (then its <record> has no <metadata>).  The identifier is added to
 * ids (a list's headers), when ids is not NULL. */
static void check_header(xmlNodePtr h, GHashTable *ids)
{
	xmlNodePtr idn = child(h, "identifier");
	xmlChar *id = idn != NULL ? xmlNodeGetContent(idn) : NULL;
	xmlChar *status = xmlGetProp(h, BAD_CAST "status");
	int deleted = status != NULL &&
		xmlStrcmp(status, BAD_CAST "deleted") == 0;
	char *ref = id != NULL ? id_ref((const char *)id) : NULL;

	if (ref == NULL) {
		fail("a header without one of our identifiers",
			id ? (const char *)id : "");
	}
	if (is_public(ref) ? deleted : !(strcmp(ref, withdrawn_ref) == 0 &&
	    deleted)) {
		fail("a header for a record no harvester may see", ref);
	}
	if (deleted && h->parent != NULL &&
	    xmlStrcmp(h->parent->name, BAD_CAST "record") == 0 &&
	    child(h->parent, "metadata") != NULL) {
		fail("a deleted record with metadata", ref);
	}
	if (ids != NULL) {
		g_hash_table_add(ids, g_strdup((const char *)id));
	}
	g_free(ref);
	xmlFree(id);
	xmlFree(status);
}

/* Walk n's subtree: outside request and error, no text or attribute
 * shows a hidden record; every header is checked. */
static void walk(xmlNodePtr n, GHashTable *ids)
{
	xmlNodePtr c;
	xmlAttrPtr a;
	xmlChar *v;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type ==
		    XML_CDATA_SECTION_NODE) {
			if (c->content != NULL &&
			    shows_hidden((const char *)c->content)) {
				fail("a hidden record's text in the answer",
					(const char *)c->content);
			}
			continue;
		}
		if (c->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(c->name, BAD_CAST "request") == 0 ||
		    xmlStrcmp(c->name, BAD_CAST "error") == 0) {
			continue;
		}
		for (a = c->properties; a != NULL; a = a->next) {
			v = xmlNodeGetContent((xmlNodePtr)a);
			if (v != NULL && shows_hidden((const char *)v)) {
				fail("a hidden record in an attribute",
					(const char *)v);
			}
			xmlFree(v);
		}
		if (xmlStrcmp(c->name, BAD_CAST "header") == 0) {
			check_header(c, ids);
		}
		walk(c, ids);
	}
}

/* The answer xml to a request with verb (NULL: none or several):
 * well-formed, shaped as the protocol says, nothing hidden.  The
 * headers' identifiers go into ids (when not NULL); returns the
 * document (the caller frees it). */
static xmlDocPtr check_answer(const char *xml, const char *verb,
	GHashTable *ids, int *nerrs)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root, c, req = NULL;
	int k = 0, errs = 0, bare = 0, body = 0;
	xmlChar *code;

	if (doc == NULL) {
		fail("the answer is not well-formed XML", xml);
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, BAD_CAST "OAI-PMH") != 0 ||
	    root->ns == NULL || xmlStrcmp(root->ns->href,
	    BAD_CAST NS_OAI) != 0) {
		fail("the answer is not OAI-PMH", xml);
	}
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			continue;
		}
		if (k == 0 && xmlStrcmp(c->name, BAD_CAST "responseDate") !=
		    0) {
			fail("responseDate is not first", xml);
		}
		if (k == 1) {
			if (xmlStrcmp(c->name, BAD_CAST "request") != 0) {
				fail("request is not second", xml);
			}
			req = c;
		}
		if (k >= 2 && xmlStrcmp(c->name, BAD_CAST "error") == 0) {
			errs++;
			code = xmlGetProp(c, BAD_CAST "code");
			bare |= code != NULL && (xmlStrcmp(code,
				BAD_CAST "badVerb") == 0 || xmlStrcmp(code,
				BAD_CAST "badArgument") == 0);
			xmlFree(code);
		} else if (k >= 2) {
			if (verb == NULL || xmlStrcmp(c->name,
			    BAD_CAST verb) != 0) {
				fail("an element not named after the verb",
					(const char *)c->name);
			}
			body++;
		}
		k++;
	}
	if (req == NULL || (errs > 0) == (body > 0) || body > 1) {
		fail("not errors or one answer to the verb", xml);
	}
	if (bare && req->properties != NULL) {
		fail("attributes on the request of a bad request", xml);
	}
	walk(root, ids);
	*nerrs = errs;
	return doc;
}

/* A list answered with a resumption token: follow it (see the file
 * comment). */
static void follow(const char *verb, xmlDocPtr doc, GHashTable *ids)
{
	xmlNodePtr list = child(xmlDocGetRootElement(doc), verb);
	xmlNodePtr t = child(list, "resumptionToken"), c;
	xmlChar *tok = t != NULL ? xmlNodeGetContent(t) : NULL;
	xmlChar *size = t != NULL ? xmlGetProp(t, BAD_CAST "completeListSize") :
		NULL;
	xmlChar *cur = t != NULL ? xmlGetProp(t, BAD_CAST "cursor") : NULL;
	xmlChar *size2 = NULL, *cur2 = NULL;
	struct hd_oai_arg args[2];
	GHashTable *next;
	GHashTableIter it;
	gpointer id;
	xmlDocPtr doc2;
	char *xml;
	long first = 0;
	int nerrs;

	if (tok == NULL || *tok == '\0') {
		goto done;
	}
	for (c = list->children; c != NULL; c = c->next) {
		first += c->type == XML_ELEMENT_NODE && (xmlStrcmp(c->name,
			BAD_CAST "header") == 0 || xmlStrcmp(c->name,
			BAD_CAST "record") == 0);
	}
	args[0].name = "verb";
	args[0].value = verb;
	args[1].name = "resumptionToken";
	args[1].value = (const char *)tok;
	xml = ask(args, 2);
	next = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	doc2 = check_answer(xml, verb, next, &nerrs);
	if (nerrs > 0) {
		fail("a token given out does not continue the list", xml);
	}
	g_hash_table_iter_init(&it, next);
	while (g_hash_table_iter_next(&it, &id, NULL)) {
		if (g_hash_table_contains(ids, id)) {
			fail("the next page repeats a header", id);
		}
	}
	t = child(child(xmlDocGetRootElement(doc2), verb), "resumptionToken");
	size2 = t != NULL ? xmlGetProp(t, BAD_CAST "completeListSize") : NULL;
	cur2 = t != NULL ? xmlGetProp(t, BAD_CAST "cursor") : NULL;
	if (size2 == NULL || cur2 == NULL || size == NULL || cur == NULL ||
	    xmlStrcmp(size, size2) != 0 ||
	    atol((const char *)cur2) != atol((const char *)cur) + first) {
		fail("the next page's completeListSize or cursor", xml);
	}
	xmlFreeDoc(doc2);
	g_hash_table_destroy(next);
	free(xml);
done:
	xmlFree(tok);
	xmlFree(size);
	xmlFree(cur);
	xmlFree(size2);
	xmlFree(cur2);
}

/* One input: see the file comment. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', n);
	size_t nq = nl != NULL ? (size_t)(nl - s) : n, nv = 0, i;
	struct http_kv v[HTTP_MAX_PARAMS];
	struct hd_oai_arg args[HTTP_MAX_PARAMS + 1];
	const char *verb = NULL;
	char *arena, *a, *tok = NULL, *xml;
	GHashTable *ids;
	xmlDocPtr doc;
	int nerrs, verbs = 0;

	if (arch == NULL) {
		setup();
	}
	arena = hd_xmalloc(nq + 2 * HTTP_MAX_PARAMS + 1);
	a = arena;
	if (http_parse_params(v, &nv, s, nq, &a) != 0) {
		free(arena);
		return 0;       /* the server answers 400 */
	}
	for (i = 0; i < nv; i++) {
		args[i].name = v[i].name;
		args[i].value = v[i].value;
		if (strcmp(v[i].name, "verb") == 0) {
			verb = v[i].value;
			verbs++;
		}
	}
	if (nl != NULL && nv < HTTP_MAX_PARAMS) {
		tok = seal(nl + 1, n - nq - 1);
		args[nv].name = "resumptionToken";
		args[nv].value = tok;
		nv++;
	}
	xml = ask(args, nv);
	ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	doc = check_answer(xml, verbs == 1 ? verb : NULL, ids, &nerrs);
	if (nerrs == 0 && verbs == 1 &&
	    (strcmp(verb, "ListIdentifiers") == 0 ||
	    strcmp(verb, "ListRecords") == 0)) {
		follow(verb, doc, ids);
	}
	xmlFreeDoc(doc);
	g_hash_table_destroy(ids);
	free(xml);
	free(tok);
	free(arena);
	return 0;
}
