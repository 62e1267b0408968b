/*
 * oai.c - OAI-PMH 2.0 (the Open Archives Initiative Protocol for Metadata
 * Harvesting) with unqualified Dublin Core (oai_dc), so the district
 * archive can harvest the metadata of every community node.
 *
 * Verbs: Identify, ListMetadataFormats, ListSets, ListIdentifiers,
 * ListRecords, GetRecord.  Sets: "category" with "category:ZP" (门类) and
 * "class" with "class:DJ" (机构问题).  Datestamps are the records'
 * updated times at seconds granularity, UTC.  Lists come HD_OAI_PAGE at
 * a time with a resumption token that carries the cursor and the filter
 * and is sealed with an HMAC keyed by the archive's first event hash, so
 * a token that was cut, edited or made up is badResumptionToken.
 *
 * What a harvester sees is what a visitor sees: only approved public
 * records, through *_PUBLIC statements whose SQL names the filter; a
 * record published once and not visible now (withdrawn, sent back to
 * review by an edit, made internal or restricted) is a header with
 * status="deleted" and no metadata (deletedRecord "transient"); one
 * never published never appears.  A district publishes only its own
 * records: one it harvested from a room (harvest_records) is the room's
 * to publish, and is in no list, set count or GetRecord of the
 * district's.  The XML is written with libxml2's
 * xmlTextWriter, so it is well-formed whatever the data holds; text that
 * XML 1.0 cannot carry (control characters) is dropped first.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/uri.h>
#include <libxml/xmlwriter.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unicode/utf8.h>

#define NS_OAI "http://www.openarchives.org/OAI/2.0/"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define NS_OAI_DC "http://www.openarchives.org/OAI/2.0/oai_dc/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define XSD_OAI "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
#define XSD_OAI_DC "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
#define ID_PREFIX_DEFAULT "hongdang"
#define ARG_MAX 512             /* bytes of one argument's value */
#define TOKEN_MAX 1024          /* bytes of a resumption token */
#define MAX_ERRORS 8

enum verb {
	V_NONE, V_IDENTIFY, V_FORMATS, V_SETS, V_IDENTIFIERS, V_RECORDS,
	V_GET,
};

static const struct {
	const char *name;
	enum verb v;
} verbs[] = {
	{"Identify", V_IDENTIFY},
	{"ListMetadataFormats", V_FORMATS},
	{"ListSets", V_SETS},
	{"ListIdentifiers", V_IDENTIFIERS},
	{"ListRecords", V_RECORDS},
	{"GetRecord", V_GET},
};

/* The arguments of the protocol, in the order of struct oai.arg. */
enum arg { A_VERB, A_ID, A_PREFIX, A_FROM, A_UNTIL, A_SET, A_TOKEN, A__N };
static const char *const arg_names[A__N] = {
	"verb", "identifier", "metadataPrefix", "from", "until", "set",
	"resumptionToken",
};

/* The filter and position of a list: what a token carries. */
struct cursor {
	int64_t after;          /* last record id answered */
	int64_t done;           /* records answered before this page */
	int64_t total;          /* completeListSize, from the first page */
	char from[20];          /* "YYYY-MM-DDThh:mm:ss" or "" */
	char until[20];
	char set[64];           /* "" for all */
};

struct oai {
	struct hd_archive *a;
	const struct hd_oai_req *q;
	xmlTextWriterPtr w;
	enum verb verb;
	const char *arg[A__N];
	struct {
		const char *code;
		char msg[256];
	} err[MAX_ERRORS];
	size_t nerr;
	int bare;               /* badVerb/badArgument: request bare */
	int failed;             /* a writer call failed */
	char idprefix[80];      /* "oai:hongdang:" */
	struct hd_error *e;
};

static void oai_error(struct oai *o, const char *code, const char *fmt,
	...) __attribute__((format(printf, 3, 4)));

/* Note an OAI-PMH error of code (badVerb, badArgument, idDoesNotExist, ...)
 * with a message from fmt, for the answer; at most MAX_ERRORS are kept.
 * badVerb and badArgument make the answer bare: the protocol then echoes no
 * request attributes. */
static void oai_error(struct oai *o, const char *code, const char *fmt,
	...)
{
	va_list ap;

	if (strcmp(code, "badVerb") == 0 || strcmp(code, "badArgument") == 0) {
		o->bare = 1;
	}
	if (o->nerr >= MAX_ERRORS) {
		return;
	}
	o->err[o->nerr].code = code;
	va_start(ap, fmt);
	vsnprintf(o->err[o->nerr].msg, sizeof o->err[o->nerr].msg, fmt, ap);
	va_end(ap);
	o->nerr++;
}

/* ------------------------------------------------------------ writing */

/* A copy of s that XML 1.0 can carry: valid UTF-8 without the control
 * characters it forbids (tab, LF and CR stay).  Caller frees. */
static char *xml_clean(const char *s)
{
	int32_t i = 0, j, n = (int32_t)strlen(s);
	char *out = hd_xmalloc((size_t)n + 1);
	size_t o = 0;
	UChar32 cp;

	while (i < n) {
		j = i;
		U8_NEXT(s, j, n, cp);
		if (cp < 0) {
			i++;    /* a byte that begins no character */
			continue;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0xFFFE || cp == 0xFFFF) {
			i = j;
			continue;
		}
		memcpy(out + o, s + i, (size_t)(j - i));
		o += (size_t)(j - i);
		i = j;
	}
	out[o] = '\0';
	return out;
}

/* Note in o->failed that a libxml2 writer call returned rc < 0;
 * hd_oai_respond checks it once at the end instead of after every element. */
static void chk(struct oai *o, int rc)
{
	if (rc < 0) {
		o->failed = 1;
	}
}

/* Open element name. */
static void start(struct oai *o, const char *name)
{
	chk(o, xmlTextWriterStartElement(o->w, BAD_CAST name));
}

/* Close the element open last. */
static void end(struct oai *o)
{
	chk(o, xmlTextWriterEndElement(o->w));
}

/* Attribute name of the open element, its value made XML-safe (xml_clean). */
static void attr(struct oai *o, const char *name, const char *value)
{
	char *c = xml_clean(value);

	chk(o, xmlTextWriterWriteAttribute(o->w, BAD_CAST name, BAD_CAST c));
	free(c);
}

/* Text inside the open element, made XML-safe (xml_clean). */
static void text(struct oai *o, const char *s)
{
	char *c = xml_clean(s);

	chk(o, xmlTextWriterWriteString(o->w, BAD_CAST c));
	free(c);
}

/* <name>value</name>, nothing when value is NULL or empty. */
static void elem(struct oai *o, const char *name, const char *value)
{
	if (value == NULL || *value == '\0') {
		return;
	}
	start(o, name);
	text(o, value);
	end(o);
}

/* A datestamp from an ISO time: "YYYY-MM-DDThh:mm:ssZ". */
static void datestamp(const char *iso, char out[21])
{
	snprintf(out, 21, "%.19sZ", iso ? iso : "1970-01-01T00:00:00");
}

/* ------------------------------------------------------- identifiers */

/* The identifier of reference code ref: the prefix, then the code
 * percent-encoded where the oai-identifier syntax needs it ("·" is
 * %C2%B7) by GLib's g_uri_escape_string: letters, digits and -_.~!*'()
 * stay, every other byte is %XX in upper case.  Caller frees. */
static char *oai_id(struct oai *o, const char *ref)
{
	char *esc = g_uri_escape_string(ref, "!*'()", FALSE);
	char *id = hd_xasprintf("%s%s", o->idprefix, esc);

	g_free(esc);
	return id;
}

/* The canonical reference code an identifier names, or -1 (not our
 * prefix, a malformed or NUL escape, over 127 bytes decoded, or no
 * reference code).  g_uri_unescape_string decodes it. */
static int id_ref(struct oai *o, const char *id, char ref[64])
{
	size_t n = strlen(o->idprefix);
	char *dec;
	int rc = -1;

	if (strncmp(id, o->idprefix, n) != 0) {
		return -1;
	}
	dec = g_uri_unescape_string(id + n, NULL);
	if (dec != NULL && strlen(dec) < 128) {
		rc = hd_ref_canon(dec, ref, 64, NULL) == 0 ? 0 : -1;
	}
	g_free(dec);
	return rc;
}

/* -------------------------------------------------------------- tokens */

/* The key resumption tokens are sealed with: the SHA-256 of a seed made of
 * the hash of the archive's first event and its fonds, which differs between
 * archives and lasts as long as the archive.  0, or HD_EDB when the
 * statement cannot be prepared. */
static int token_key(struct oai *o, unsigned char key[32])
{
	sqlite3_stmt *st = hd_sql(o->a, SQL_EVENT_FIRST, o->e);
	const char *h = NULL;
	char seed[160];

	if (st == NULL) {
		return HD_EDB;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		h = (const char *)sqlite3_column_text(st, 0);
	}
	snprintf(seed, sizeof seed, "hongdang-oai-token:%s:%s", h ? h : "",
		hd_archive_fonds(o->a) ? hd_archive_fonds(o->a) : "");
	sqlite3_reset(st);
	hd_sha256_hex(seed, strlen(seed), seed);
	memcpy(key, seed, 32);
	return 0;
}

/* The MAC of payload p, as 32 hex digits. */
static int token_mac(struct oai *o, const char *p, char out[33])
{
	unsigned char key[32], md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (token_key(o, key) != 0) {
		return -1;
	}
	if (HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)p,
	    strlen(p), md, &n) == NULL || n < 16) {
		return -1;
	}
	hd_hex(md, 16, out);
	return 0;
}

/* A resumption token for cursor c: the payload's bytes in hex, '.', and
 * their MAC (token_mac).  A new string (caller frees), or NULL when the
 * MAC's key cannot be read. */
static char *token_make(struct oai *o, const struct cursor *c)
{
	char mac[33], *p, *hex, *tok;
	size_t n;

	p = hd_xasprintf("1|%lld|%lld|%lld|%s|%s|%s", (long long)c->after,
		(long long)c->done, (long long)c->total, c->from, c->until,
		c->set);
	if (token_mac(o, p, mac) != 0) {
		free(p);
		return NULL;
	}
	n = strlen(p);
	hex = hd_xmalloc(2 * n + 1);
	hd_hex((const unsigned char *)p, n, hex);
	tok = hd_xasprintf("%s.%s", hex, mac);
	free(hex);
	free(p);
	return tok;
}

/* The largest record id or count a token may carry: far above any
 * archive, and low enough that a page added to it cannot overflow. */
#define CURSOR_MAX ((long long)1 << 53)

/* Read a token into *c: 0, or -1 for anything not made here (and for
 * one whose numbers pass CURSOR_MAX: only a forged seal gives those). */
static int token_read(struct oai *o, const char *tok, struct cursor *c)
{
	char p[TOKEN_MAX / 2 + 1], mac[33], *f[7], *s;
	const char *dot = strchr(tok, '.');
	size_t n, i;
	int h, l, k;
	long long v[3];

	memset(c, 0, sizeof *c);
	if (strlen(tok) >= TOKEN_MAX || dot == NULL || strlen(dot + 1) != 32 ||
	    (dot - tok) % 2 != 0) {
		return -1;
	}
	n = (size_t)(dot - tok) / 2;
	for (i = 0; i < n; i++) {
		h = g_ascii_xdigit_value(tok[2 * i]);
		l = g_ascii_xdigit_value(tok[2 * i + 1]);
		if (h < 0 || l < 0 || h * 16 + l == 0) {
			return -1;
		}
		p[i] = (char)(h * 16 + l);
	}
	p[n] = '\0';
	if (token_mac(o, p, mac) != 0 ||
	    CRYPTO_memcmp(mac, dot + 1, 32) != 0) {
		return -1;
	}
	s = p;
	for (k = 0; k < 7; k++) {
		f[k] = s;
		s = strchr(s, '|');
		if (s == NULL && k < 6) {
			return -1;
		}
		if (s != NULL) {
			*s++ = '\0';
		}
	}
	if (s != NULL || strcmp(f[0], "1") != 0) {
		return -1;
	}
	for (k = 0; k < 3; k++) {
		char *end;

		v[k] = strtoll(f[k + 1], &end, 10);
		if (*end != '\0' || v[k] < 0 || v[k] > CURSOR_MAX) {
			return -1;
		}
	}
	c->after = v[0];
	c->done = v[1];
	c->total = v[2];
	if (strlen(f[4]) >= sizeof c->from || strlen(f[5]) >=
	    sizeof c->until || strlen(f[6]) >= sizeof c->set) {
		return -1;
	}
	snprintf(c->from, sizeof c->from, "%s", f[4]);
	snprintf(c->until, sizeof c->until, "%s", f[5]);
	snprintf(c->set, sizeof c->set, "%s", f[6]);
	return 0;
}

/* ------------------------------------------------------------- filters */

/* hd_oai_email_valid: see hd_oai.h.  The first @ with something before
 * it is the one to look behind: a later one leaves a shorter tail, whose
 * dot would be inside this one's too. */
int hd_oai_email_valid(const char *s)
{
	const char *p, *at = NULL, *dot;
	size_t n;

	if (s == NULL || strlen(s) > 254 || !g_utf8_validate(s, -1, NULL)) {
		return 0;
	}
	for (p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == ' ' || *p == 0x7f) {
			return 0;
		}
		if (*p == '@' && p > s && at == NULL) {
			at = p;
		}
	}
	if (at == NULL) {
		return 0;
	}
	n = strlen(at + 1);
	dot = n >= 3 ? memchr(at + 2, '.', n - 2) : NULL;
	return dot != NULL;
}

/* Whether c may stand in an OAI-PMH name, a metadataPrefix or a part of
 * a setSpec (the schema's metadataPrefixType, [A-Za-z0-9\-_\.!~\*'\(\)]+).
 * 1 or 0. */
static int name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || (c != '\0' &&
		strchr("-_.!~*'()", c) != NULL);
}

/* Whether s is a metadataPrefix by the schema's pattern: at least one
 * name_char and nothing else.  1 or 0. */
static int prefix_ok(const char *s)
{
	if (*s == '\0') {
		return 0;
	}
	for (; *s; s++) {
		if (!name_char(*s)) {
			return 0;
		}
	}
	return 1;
}

/* Whether s is a URI reference as the schema's anyURI takes it: the
 * characters RFC 3986 leaves out (space, non-ASCII, <>"{}|\^` and ')
 * stand for their %-escapes, as libxml2's validator reads them, and the
 * rest must parse.  An identifier that is not one is badArgument: the
 * request element could not echo it.  1 or 0. */
static int uri_ok(const char *s)
{
	char *t = hd_xstrdup(s), *c;
	xmlURIPtr uri;

	for (c = t; *c; c++) {
		if ((unsigned char)*c < 32 || (unsigned char)*c >= 127 ||
		    strchr(" <>\"{}|\\^`'", *c) != NULL) {
			*c = '_';
		}
	}
	uri = xmlParseURI(t);
	free(t);
	if (uri == NULL) {
		return 0;
	}
	xmlFreeURI(uri);
	return 1;
}

/* A from/until value into "YYYY-MM-DDThh:mm:ss" (a day's start, or its
 * end when until): 1 day granularity, 2 seconds, 0 malformed. */
static int parse_stamp(const char *s, int until, char out[20])
{
	char iso[32];
	size_t n = strlen(s);
	int i;

	if (n != 10 && n != 20) {
		return 0;
	}
	for (i = 0; i < (int)n; i++) {
		char c = s[i];
		int digit = c >= '0' && c <= '9';

		if (i == 4 || i == 7) {
			if (c != '-') {
				return 0;
			}
		} else if (i == 10) {
			if (c != 'T') {
				return 0;
			}
		} else if (i == 13 || i == 16) {
			if (c != ':') {
				return 0;
			}
		} else if (i == 19) {
			if (c != 'Z') {
				return 0;
			}
		} else if (!digit) {
			return 0;
		}
	}
	if (n == 10) {
		snprintf(iso, sizeof iso, "%sT%s", s, until ? "23:59:59" :
			"00:00:00");
	} else {
		snprintf(iso, sizeof iso, "%.19s", s);
	}
	/* the day and time must exist */
	{
		char check[40], norm[32];

		snprintf(check, sizeof check, "%sZ", iso);
		if (hd_time_parse(check, norm, NULL) != 0 ||
		    strncmp(norm, iso, 19) != 0) {
			return 0;
		}
	}
	memcpy(out, iso, 19);
	out[19] = '\0';
	return n == 10 ? 1 : 2;
}

/* A set spec as filter values: 0, or -1 when the syntax is wrong, 1 when
 * no such set exists. */
static int parse_set(const char *set, const char **cat, const char **cls,
	int *anycls, char buf[64])
{
	const char *p;

	*cat = NULL;
	*cls = NULL;
	*anycls = 0;
	if (set == NULL || *set == '\0') {
		return 0;
	}
	if (strlen(set) >= 64) {
		return 1;
	}
	/* the schema's setSpecType: names (name_char) joined by ':' */
	for (p = set; *p; p++) {
		if (*p == ':' ? p == set || p[-1] == ':' || p[1] == '\0' :
		    !name_char(*p)) {
			return -1;
		}
	}
	snprintf(buf, 64, "%s", set);
	if (strcmp(set, "category") == 0) {
		return 0;
	}
	if (strcmp(set, "class") == 0) {
		*anycls = 1;
		return 0;
	}
	if (strncmp(set, "category:", 9) == 0 && set[9] &&
	    !strchr(set + 9, ':')) {
		*cat = buf + 9;
		return 0;
	}
	if (strncmp(set, "class:", 6) == 0 && set[6] && !strchr(set + 6, ':')) {
		*cls = buf + 6;
		return 0;
	}
	return 1;
}

/* ----------------------------------------------------------- records */

/* DCMI Type of a category. */
static const char *dcmi_type(const char *cat)
{
	if (cat == NULL) {
		return "Text";
	}
	if (strcmp(cat, "ZP") == 0) {
		return "StillImage";
	}
	if (strcmp(cat, "LY") == 0) {
		return "Sound";
	}
	if (strcmp(cat, "LX") == 0) {
		return "MovingImage";
	}
	if (strcmp(cat, "SW") == 0) {
		return "PhysicalObject";
	}
	return "Text";
}

/* One row of a SQL_OAI_* statement. */
struct row {
	int64_t id;
	char *ref;
	int deleted;            /* published once, not visible now */
	char stamp[21];         /* datestamp */
	char *cat;
	char *cls;
};

/* The current row of a SQL_OAI_* statement (id, ref, visible, updated,
 * category, class) into *r; release with row_release. */
static void row_read(sqlite3_stmt *st, struct row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->ref = hd_col_dup(st, 1);
	r->deleted = sqlite3_column_int(st, 2) == 0;
	datestamp((const char *)sqlite3_column_text(st, 3), r->stamp);
	r->cat = hd_col_dup(st, 4);
	r->cls = hd_col_dup(st, 5);
}

/* Free what *r holds; a zeroed row is fine. */
static void row_release(struct row *r)
{
	free(r->ref);
	free(r->cat);
	free(r->cls);
}

/* The <header> of record r: identifier, datestamp, its sets, and
 * status="deleted" for a record published once and not visible now. */
static void header(struct oai *o, const struct row *r)
{
	char *id = oai_id(o, r->ref), *spec;

	start(o, "header");
	if (r->deleted) {
		attr(o, "status", "deleted");
	}
	elem(o, "identifier", id);
	elem(o, "datestamp", r->stamp);
	if (r->cat != NULL) {
		spec = hd_xasprintf("category:%s", r->cat);
		elem(o, "setSpec", spec);
		free(spec);
	}
	if (r->cls != NULL && *r->cls) {
		spec = hd_xasprintf("class:%s", r->cls);
		elem(o, "setSpec", spec);
		free(spec);
	}
	end(o);
	free(id);
}

/* <metadata> with oai_dc of the approved public record ref. */
static int metadata(struct oai *o, const char *ref)
{
	struct hd_record r;
	struct hd_error e;
	const char *cname;
	char *url;
	size_t i, k;
	int seen;

	hd_record_init(&r);
	hd_err_clear(&e);
	if (hd_record_get(o->a, HD_PUBLIC, ref, &r, &e) != 0) {
		/* gone between the list and now: header only */
		return e.code == HD_ENOTFOUND ? 0 : hd_err(o->e, e.code, "%s",
			e.msg);
	}
	start(o, "metadata");
	start(o, "oai_dc:dc");
	attr(o, "xmlns:oai_dc", NS_OAI_DC);
	attr(o, "xmlns:dc", NS_DC);
	attr(o, "xmlns:xsi", NS_XSI);
	attr(o, "xsi:schemaLocation", NS_OAI_DC " " XSD_OAI_DC);
	elem(o, "dc:title", r.title);
	elem(o, "dc:creator", r.creator);
	for (i = 0; i < r.nsubjects; i++) {
		elem(o, "dc:subject", r.subjects[i]);
	}
	for (i = 0; i < r.npersons; i++) {
		elem(o, "dc:subject", r.persons[i]);
	}
	elem(o, "dc:description", r.description);
	elem(o, "dc:publisher", hd_archive_name(o->a));
	elem(o, "dc:date", r.date);
	elem(o, "dc:type", dcmi_type(r.category));
	cname = hd_category_name(r.category);
	elem(o, "dc:type", cname ? cname : r.category);
	for (i = 0; i < r.nfiles; i++) {
		for (k = 0, seen = 0; k < i && !seen; k++) {
			seen = r.files[k].mime && r.files[i].mime &&
				strcmp(r.files[k].mime, r.files[i].mime) == 0;
		}
		if (!seen) {
			elem(o, "dc:format", r.files[i].mime);
		}
	}
	elem(o, "dc:identifier", r.ref);
	if (o->q->record_url != NULL) {
		char *dotted = hd_ref_dotted(r.ref);

		url = hd_xasprintf("%s%s", o->q->record_url, dotted);
		elem(o, "dc:identifier", url);
		free(url);
		free(dotted);
	}
	for (i = 0; o->q->thumb_url != NULL && i < r.nfiles; i++) {
		if (r.files[i].mime != NULL &&
		    strncmp(r.files[i].mime, "image/", 6) == 0) {
			url = hd_xasprintf("%s%s.jpg", o->q->thumb_url,
				r.files[i].sha256);
			elem(o, "dc:relation", url);
			free(url);
			break;
		}
	}
	elem(o, "dc:language", r.language);
	elem(o, "dc:coverage", r.place);
	elem(o, "dc:rights", "公开 (public)");
	end(o);
	end(o);
	hd_record_release(&r);
	return 0;
}

/* ------------------------------------------------------------- verbs */

/* Identify: the repository's name and e-mail (settings oai.name and
 * oai.email, HD_OAI_EMAIL_DEFAULT when unset or not an address the schema
 * takes) and its earliest datestamp (now when nothing is public).
 * 0, or HD_EDB when the catalogue cannot be read. */
static int do_identify(struct oai *o)
{
	sqlite3_stmt *st;
	char *name = NULL, *mail = NULL, ds[21], now[32];
	int rc, step;

	rc = hd_meta_get(o->a, "oai.name", hd_archive_name(o->a), &name,
		o->e);
	if (rc == 0) {
		rc = hd_meta_get(o->a, "oai.email", HD_OAI_EMAIL_DEFAULT,
			&mail, o->e);
	}
	if (rc == 0 && !hd_oai_email_valid(mail)) {
		/* stored by other means than "config": the schema would
		 * refuse the answer */
		free(mail);
		mail = hd_xstrdup(HD_OAI_EMAIL_DEFAULT);
	}
	st = rc == 0 ? hd_sql(o->a, SQL_OAI_EARLIEST_PUBLIC, o->e) : NULL;
	if (st == NULL) {
		free(name);
		free(mail);
		return HD_EDB;
	}
	hd_now_iso(now);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		datestamp((const char *)sqlite3_column_text(st, 0), ds);
	} else {
		datestamp(now, ds);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		free(name);
		free(mail);
		return hd_sql_err(o->a, o->e, "earliest datestamp");
	}
	start(o, "Identify");
	elem(o, "repositoryName", name && *name ? name : "Hongdang");
	elem(o, "baseURL", o->q->base_url);
	elem(o, "protocolVersion", "2.0");
	elem(o, "adminEmail", mail);
	elem(o, "earliestDatestamp", ds);
	elem(o, "deletedRecord", "transient");
	elem(o, "granularity", "YYYY-MM-DDThh:mm:ssZ");
	end(o);
	free(name);
	free(mail);
	return 0;
}

/* The record an identifier names into *r: 1 found, 0 not (an
 * idDoesNotExist error is noted), -1 when the archive fails. */
static int find_id(struct oai *o, const char *id, struct row *r)
{
	sqlite3_stmt *st;
	char ref[64];
	int rc;

	memset(r, 0, sizeof *r);
	if (id_ref(o, id, ref) != 0) {
		oai_error(o, "idDoesNotExist", "'%s' is not an identifier of "
			"this repository", id);
		return 0;
	}
	st = hd_sql_bind(o->a, SQL_OAI_GET_PUBLIC, o->e, "t", ref);
	rc = hd_sql_step(o->a, st, "find record", o->e);
	if (rc == 1) {
		row_read(st, r);
		sqlite3_reset(st);
		return 1;
	}
	if (rc < 0) {
		return -1;
	}
	oai_error(o, "idDoesNotExist", "no public record has the "
		"identifier '%s'", id);
	return 0;
}

/* ListMetadataFormats: oai_dc alone; with an identifier, only when it names
 * a record (idDoesNotExist otherwise).  0, or HD_EDB. */
static int do_formats(struct oai *o)
{
	struct row r;
	int k;

	if (o->arg[A_ID] != NULL) {
		k = find_id(o, o->arg[A_ID], &r);
		row_release(&r);
		if (k <= 0) {
			return k < 0 ? HD_EDB : 0;
		}
	}
	start(o, "ListMetadataFormats");
	start(o, "metadataFormat");
	elem(o, "metadataPrefix", "oai_dc");
	elem(o, "schema", XSD_OAI_DC);
	elem(o, "metadataNamespace", NS_OAI_DC);
	end(o);
	end(o);
	return 0;
}

/* ListSets: the two set families, then a set for each category and class the
 * public records have.  A resumption token is badResumptionToken (the list
 * comes whole).  0, or HD_EDB. */
static int do_sets(struct oai *o)
{
	sqlite3_stmt *st = hd_sql(o->a, SQL_OAI_SETS_PUBLIC, o->e);
	const char *kind, *code, *name;
	char *spec, *label;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	if (o->arg[A_TOKEN] != NULL) {
		oai_error(o, "badResumptionToken", "the set list comes whole; "
			"this token was not given out");
		return 0;
	}
	start(o, "ListSets");
	start(o, "set");
	elem(o, "setSpec", "category");
	elem(o, "setName", "门类 (category)");
	end(o);
	start(o, "set");
	elem(o, "setSpec", "class");
	elem(o, "setName", "机构问题 (class)");
	end(o);
	while ((rc = hd_sql_step(o->a, st, "list sets", o->e)) == 1) {
		kind = (const char *)sqlite3_column_text(st, 0);
		code = (const char *)sqlite3_column_text(st, 1);
		if (code == NULL) {
			continue;
		}
		name = strcmp(kind, "category") == 0 ? hd_category_name(code) :
			hd_class_name(code);
		spec = hd_xasprintf("%s:%s", kind, code);
		label = name ? hd_xasprintf("%s (%s)", name, code) :
			hd_xstrdup(code);
		start(o, "set");
		elem(o, "setSpec", spec);
		elem(o, "setName", label);
		end(o);
		free(spec);
		free(label);
	}
	end(o);
	return rc;
}

/* Bind the filters of SQL_OAI_LIST_PUBLIC or SQL_OAI_COUNT_PUBLIC: records
 * after id after, the cursor's from and until (none when empty), category
 * cat and class cls (NULL: any), anycls 1 for the "class" set (any record
 * with a class). */
static void bind_list(sqlite3_stmt *st, const struct cursor *c,
	const char *cat, const char *cls, int anycls, int64_t after)
{
	sqlite3_bind_int64(st, 1, after);
	hd_bind_text(st, 2, c->from[0] ? c->from : NULL);
	hd_bind_text(st, 3, c->until[0] ? c->until : NULL);
	hd_bind_text(st, 4, cat);
	hd_bind_text(st, 5, cls);
	sqlite3_bind_int(st, 6, anycls);
}

/* The records a list answers at a time: the setting oai.page when it is
 * a number from 1 to HD_OAI_PAGE_MAX, else HD_OAI_PAGE. */
static size_t page_size(struct oai *o)
{
	struct hd_error e;
	char *v = NULL, *end;
	long n = 0;

	if (hd_meta_get(o->a, "oai.page", "", &v, &e) == 0 && v != NULL) {
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0') {
			n = 0;
		}
	}
	free(v);
	return n >= 1 && n <= HD_OAI_PAGE_MAX ? (size_t)n : HD_OAI_PAGE;
}

/* ListIdentifiers and ListRecords. */
static int do_list(struct oai *o, int records)
{
	struct cursor c;
	struct row *rows = NULL;
	sqlite3_stmt *st;
	const char *cat, *cls;
	char setbuf[64], *tok, num[32];
	size_t n = 0, i, page = page_size(o);
	int anycls, k, rc = 0, more = 0;

	memset(&c, 0, sizeof c);
	if (o->arg[A_TOKEN] != NULL) {
		if (token_read(o, o->arg[A_TOKEN], &c) != 0) {
			oai_error(o, "badResumptionToken", "the resumption "
				"token is not one this repository gave out "
				"(or it was changed)");
			return 0;
		}
	} else {
		if (strcmp(o->arg[A_PREFIX], "oai_dc") != 0) {
			oai_error(o, "cannotDisseminateFormat", "only oai_dc "
				"is disseminated, not '%s'", o->arg[A_PREFIX]);
			return 0;
		}
		if (o->arg[A_FROM] != NULL) {
			parse_stamp(o->arg[A_FROM], 0, c.from);
		}
		if (o->arg[A_UNTIL] != NULL) {
			parse_stamp(o->arg[A_UNTIL], 1, c.until);
		}
		if (o->arg[A_SET] != NULL) {
			snprintf(c.set, sizeof c.set, "%s", o->arg[A_SET]);
		}
	}
	k = parse_set(c.set[0] ? c.set : NULL, &cat, &cls, &anycls, setbuf);
	if (k != 0) {
		oai_error(o, "noRecordsMatch", "there is no set '%s'", c.set);
		return 0;
	}
	if (o->arg[A_TOKEN] == NULL) {
		st = hd_sql(o->a, SQL_OAI_COUNT_PUBLIC, o->e);
		if (st == NULL) {
			return HD_EDB;
		}
		bind_list(st, &c, cat, cls, anycls, 0);
		if (sqlite3_step(st) == SQLITE_ROW) {
			c.total = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
	}
	/* the page's rows first, then their records: hd_record_get runs
	 * statements of its own */
	st = hd_sql(o->a, SQL_OAI_LIST_PUBLIC, o->e);
	if (st == NULL) {
		return HD_EDB;
	}
	bind_list(st, &c, cat, cls, anycls, c.after);
	sqlite3_bind_int(st, 7, (int)page + 1);
	while ((k = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == page) {
			more = 1;
			break;
		}
		rows = hd_xrealloc(rows, (n + 1) * sizeof *rows);
		row_read(st, &rows[n++]);
	}
	sqlite3_reset(st);
	if (k != SQLITE_ROW && k != SQLITE_DONE) {
		rc = hd_sql_err(o->a, o->e, "list records");
		goto out;
	}
	if (n == 0) {
		if (o->arg[A_TOKEN] != NULL) {
			oai_error(o, "badResumptionToken", "the list this "
				"token continues has no records left");
		} else {
			oai_error(o, "noRecordsMatch", "no public record "
				"matches");
		}
		goto out;
	}
	start(o, records ? "ListRecords" : "ListIdentifiers");
	for (i = 0; i < n && rc == 0; i++) {
		if (records) {
			start(o, "record");
			header(o, &rows[i]);
			if (!rows[i].deleted) {
				rc = metadata(o, rows[i].ref);
			}
			end(o);
		} else {
			header(o, &rows[i]);
		}
	}
	if (rc == 0 && (more || c.done > 0)) {
		start(o, "resumptionToken");
		snprintf(num, sizeof num, "%lld", (long long)c.total);
		attr(o, "completeListSize", num);
		snprintf(num, sizeof num, "%lld", (long long)c.done);
		attr(o, "cursor", num);
		if (more) {
			c.after = rows[n - 1].id;
			c.done += (int64_t)n;
			tok = token_make(o, &c);
			if (tok == NULL) {
				rc = hd_err(o->e, HD_EDB, "cannot seal a "
					"resumption token");
			} else {
				text(o, tok);
			}
			free(tok);
		}
		end(o);
	}
	end(o);
out:
	for (i = 0; i < n; i++) {
		row_release(&rows[i]);
	}
	free(rows);
	return rc;
}

/* GetRecord: record identifier's header and Dublin Core;
 * cannotDisseminateFormat for a prefix other than oai_dc, idDoesNotExist for
 * an unknown one.  0, or HD_EDB. */
static int do_get(struct oai *o)
{
	struct row r;
	int k, rc = 0;

	if (strcmp(o->arg[A_PREFIX], "oai_dc") != 0) {
		oai_error(o, "cannotDisseminateFormat", "only oai_dc is "
			"disseminated, not '%s'", o->arg[A_PREFIX]);
	}
	k = find_id(o, o->arg[A_ID], &r);
	if (k < 0) {
		rc = HD_EDB;
	} else if (k > 0 && o->nerr == 0) {
		start(o, "GetRecord");
		start(o, "record");
		header(o, &r);
		if (!r.deleted) {
			rc = metadata(o, r.ref);
		}
		end(o);
		end(o);
	}
	row_release(&r);
	return rc;
}

/* ----------------------------------------------------------- arguments */

/* Which arguments each verb takes: 'r' required, 'o' optional, 'x' the
 * exclusive resumptionToken, '-' not allowed. */
static const char *const takes[] = {
	[V_IDENTIFY]    = "-------",
	[V_FORMATS]     = "-o-----",
	[V_SETS]        = "------x",
	[V_IDENTIFIERS] = "--rooox",
	[V_RECORDS]     = "--rooox",
	[V_GET]         = "-rr----",
};

/* Sort out the arguments: every problem becomes a badVerb or badArgument
 * error (the request is then answered bare). */
static void parse_args(struct oai *o)
{
	const struct hd_oai_arg *v = o->q->args;
	const char *spec;
	char from[20], until[20];
	size_t i, k;
	int seen[A__N] = {0}, gf = 0, gu = 0;

	for (i = 0; i < o->q->nargs; i++) {
		for (k = 0; k < A__N; k++) {
			if (strcmp(v[i].name, arg_names[k]) == 0) {
				break;
			}
		}
		if (k == A__N) {
			oai_error(o, "badArgument", "'%s' is not an argument "
				"of OAI-PMH", v[i].name);
			continue;
		}
		if (seen[k]++) {
			oai_error(o, k == A_VERB ? "badVerb" : "badArgument",
				"'%s' is given more than once", v[i].name);
			continue;
		}
		if (strlen(v[i].value) > (k == A_TOKEN ? TOKEN_MAX : ARG_MAX)) {
			oai_error(o, "badArgument", "the value of '%s' is too "
				"long", v[i].name);
			continue;
		}
		o->arg[k] = v[i].value;
	}
	if (seen[A_VERB] > 1) {
		return;
	}
	if (o->arg[A_VERB] == NULL) {
		oai_error(o, "badVerb", "no verb given");
		return;
	}
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(o->arg[A_VERB], verbs[i].name) == 0) {
			o->verb = verbs[i].v;
		}
	}
	if (o->verb == V_NONE) {
		oai_error(o, "badVerb", "'%s' is not a verb of OAI-PMH",
			o->arg[A_VERB]);
		return;
	}
	spec = takes[o->verb];
	if (o->arg[A_TOKEN] != NULL && strchr(spec, 'x') != NULL) {
		for (k = 1; k < A__N; k++) {
			if (k != A_TOKEN && o->arg[k] != NULL) {
				oai_error(o, "badArgument", "resumptionToken "
					"is an exclusive argument: '%s' may "
					"not come with it", arg_names[k]);
			}
		}
		return;
	}
	for (k = 1; k < A__N; k++) {
		char want = k < strlen(spec) ? spec[k] : '-';

		if (want == 'r' && o->arg[k] == NULL) {
			oai_error(o, "badArgument", "%s needs the argument "
				"'%s'", o->arg[A_VERB], arg_names[k]);
		} else if (want == '-' && o->arg[k] != NULL) {
			oai_error(o, "badArgument", "%s does not take the "
				"argument '%s'", o->arg[A_VERB], arg_names[k]);
		}
	}
	if (o->arg[A_FROM] != NULL) {
		gf = parse_stamp(o->arg[A_FROM], 0, from);
		if (gf == 0) {
			oai_error(o, "badArgument", "from '%s' is not "
				"YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
				o->arg[A_FROM]);
		}
	}
	if (o->arg[A_UNTIL] != NULL) {
		gu = parse_stamp(o->arg[A_UNTIL], 1, until);
		if (gu == 0) {
			oai_error(o, "badArgument", "until '%s' is not "
				"YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
				o->arg[A_UNTIL]);
		}
	}
	if (gf != 0 && gu != 0) {
		if (gf != gu) {
			oai_error(o, "badArgument", "from and until must have "
				"the same granularity");
		} else if (strcmp(from, until) > 0) {
			oai_error(o, "badArgument", "from is later than until");
		}
	}
	if (o->arg[A_PREFIX] != NULL && !prefix_ok(o->arg[A_PREFIX])) {
		oai_error(o, "badArgument", "metadataPrefix '%s' is not one: "
			"letters, digits and -_.!~*'() only",
			o->arg[A_PREFIX]);
	}
	if (o->arg[A_ID] != NULL && !uri_ok(o->arg[A_ID])) {
		oai_error(o, "badArgument", "identifier '%s' is not a URI",
			o->arg[A_ID]);
	}
	if (o->arg[A_SET] != NULL) {
		const char *c1, *c2;
		char buf[64];
		int any;

		if (parse_set(o->arg[A_SET], &c1, &c2, &any, buf) < 0) {
			oai_error(o, "badArgument", "'%s' is not a setSpec",
				o->arg[A_SET]);
		}
	}
}

/* ---------------------------------------------------------- the answer */

/*
 * hd_oai_respond: see hd.h.  The answer is built in a libxml2 memory
 * buffer and copied into out.
 */
int hd_oai_respond(struct hd_archive *a, const struct hd_oai_req *q,
	struct hd_buf *out, struct hd_error *e)
{
	struct oai o;
	xmlBufferPtr buf = NULL;
	char now[32], ds[21], *repo;
	size_t i, k;
	int rc = 0;

	hd_globals_init();
	memset(&o, 0, sizeof o);
	o.a = a;
	o.q = q;
	o.e = e;
	rc = hd_meta_get(a, "oai.repository", ID_PREFIX_DEFAULT, &repo, e);
	if (rc != 0) {
		return rc;
	}
	snprintf(o.idprefix, sizeof o.idprefix, "oai:%s:", repo);
	free(repo);
	parse_args(&o);
	buf = xmlBufferCreate();
	o.w = buf != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL;
	if (o.w == NULL) {
		if (buf != NULL) {
			xmlBufferFree(buf);
		}
		return hd_err(e, HD_EIO, "OAI-PMH: cannot start the XML "
			"writer (out of memory)");
	}
	xmlTextWriterSetIndent(o.w, 1);
	xmlTextWriterSetIndentString(o.w, BAD_CAST " ");
	chk(&o, xmlTextWriterStartDocument(o.w, NULL, "UTF-8", NULL));
	start(&o, "OAI-PMH");
	attr(&o, "xmlns", NS_OAI);
	attr(&o, "xmlns:xsi", NS_XSI);
	attr(&o, "xsi:schemaLocation", NS_OAI " " XSD_OAI);
	hd_now_iso(now);
	datestamp(now, ds);
	elem(&o, "responseDate", ds);
	start(&o, "request");
	if (!o.bare) {
		for (k = 0; k < A__N; k++) {
			if (o.arg[k] != NULL) {
				attr(&o, arg_names[k], o.arg[k]);
			}
		}
	}
	text(&o, q->base_url ? q->base_url : "");
	end(&o);
	if (o.nerr == 0) {
		switch (o.verb) {
		case V_IDENTIFY:
			rc = do_identify(&o);
			break;
		case V_FORMATS:
			rc = do_formats(&o);
			break;
		case V_SETS:
			rc = do_sets(&o);
			break;
		case V_IDENTIFIERS:
			rc = do_list(&o, 0);
			break;
		case V_RECORDS:
			rc = do_list(&o, 1);
			break;
		case V_GET:
			rc = do_get(&o);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < o.nerr && rc == 0; i++) {
		start(&o, "error");
		attr(&o, "code", o.err[i].code);
		text(&o, o.err[i].msg);
		end(&o);
	}
	chk(&o, xmlTextWriterEndDocument(o.w));
	xmlFreeTextWriter(o.w);
	if (rc == 0 && o.failed) {
		rc = hd_err(e, HD_EIO, "OAI-PMH: the XML writer failed");
	}
	if (rc == 0) {
		hd_buf_add(out, xmlBufferContent(buf),
			(size_t)xmlBufferLength(buf));
	}
	xmlBufferFree(buf);
	return rc;
}
