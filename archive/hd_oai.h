/*
 * hd_oai.h - harvesting (oai.c): OAI-PMH 2.0 for the district archive,
 * and the settings Identify answers with.  Included by hd.h.
 */
#ifndef HD_OAI_H
#define HD_OAI_H

#define HD_OAI_PAGE 100         /* headers or records a list answers,
                                   unless the setting oai.page says */
#define HD_OAI_PAGE_MAX 1000

struct hd_oai_arg {
	const char *name;
	const char *value;
};
struct hd_oai_req {
	const char *base_url;       /* "http://192.168.1.10:8080/oai" */
	const char *record_url;     /* "http://…/record/", or NULL */
	const char *thumb_url;      /* "http://…/img/thumb/", or NULL */
	const struct hd_oai_arg *args;   /* as received, repeats included */
	size_t nargs;
};
/* Answer an OAI-PMH 2.0 request (Identify, ListMetadataFormats, ListSets,
 * ListIdentifiers, ListRecords, GetRecord; oai_dc; sets "category:ZP"
 * and "class:DJ"; resumption tokens every HD_OAI_PAGE, or as many as
 * the setting oai.page says, 1 to HD_OAI_PAGE_MAX) into out as XML
 * built with libxml2.  Protocol errors are answers too.  Only approved
 * public records appear; withdrawn ones that were public are headers
 * with status="deleted".  A record with an image names the thumbnail
 * under thumb_url in a dc:relation (the district's harvest caches it).  Returns 0, or a negative code when the archive
 * fails (out then holds nothing useful). */
int hd_oai_respond(struct hd_archive *a, const struct hd_oai_req *q,
	struct hd_buf *out, struct hd_error *e);

/* Identify's adminEmail while the setting oai.email is unset: an address
 * the OAI-PMH schema accepts (its emailType wants a dot after the @,
 * which "archive@localhost" lacks).  A repository that registers with a
 * harvester sets a real one: "hongdang config oai.email ...". */
#define HD_OAI_EMAIL_DEFAULT "archive@localhost.localdomain"

/* Whether s can be Identify's adminEmail: valid UTF-8 that matches the
 * OAI-PMH schema's emailType, \S+@(\S+\.)+\S+ (no space, tab or line
 * break; something before an @; after it, a dot with something on each
 * side), with no control character and at most 254 bytes.  1 or 0. */
int hd_oai_email_valid(const char *s);

#endif
