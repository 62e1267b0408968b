/*
 * tmpl.h - what the two halves of the template engine share (internal to
 * exhibit/): the compiled form of a template.  tmpl_compile.c turns a
 * file into a program of operations, deciding the escaping of every
 * placeholder from where it stands in the HTML; template.c renders
 * programs and keeps the set of loaded templates.  The guarantees and the
 * syntax are described at the top of template.c.
 */
#ifndef HD_TMPL_H
#define HD_TMPL_H

#include "site.h"

#define TMPL_FILE_MAX    (256 * 1024)   /* bytes in one template file */
#define TMPL_FILES_MAX   1024           /* templates in one set */
#define TMPL_NAME_MAX    128            /* bytes in a template name */
#define TMPL_NEST_MAX    32             /* sections open in one file */
#define TMPL_PARTIAL_MAX 16             /* partials inside partials */
#define TMPL_FRAMES_MAX  128            /* context stack of a render */
#define TMPL_TAG_MAX     256            /* bytes between {{ and }} */
#define TMPL_SEGS_MAX    8              /* parts of a dotted name */
#define TMPL_OUT_MAX     (8u << 20)     /* bytes one render may write */
#define TMPL_CHECK_MS    1000           /* stat the files this seldom */

/* The key of a tmpl_html() object: "\0html", 5 bytes.  json_loads
 * refuses a NUL in a key and json_object_set stops at one, so data
 * parsed from outside can never pass itself off as HTML; json_dumps
 * still writes it as valid JSON ("\u0000html"). */
#define HTML_KEY "\0html"
#define HTML_KEYLEN 5

/* ------------------------------------------------------------ programs */

enum op_kind {
	OP_TEXT,        /* literal bytes from the pool */
	OP_VAR,         /* {{x}} */
	OP_SECT,        /* {{#x}}: its body is the ops up to end */
	OP_INV,         /* {{^x}} */
	OP_PARTIAL,     /* {{> x}} */
	OP_URL_BEGIN,   /* a URL attribute value built from data starts */
	OP_URL_END,     /* ... and ends here: check its scheme */
};

enum esc {
	ESC_TEXT,       /* HTML text: a tmpl_html() value goes out raw */
	ESC_ATTR,       /* attribute value or RCDATA: everything escaped */
};

enum path_kind { PK_NAME, PK_DOT, PK_INDEX, PK_NUMBER, PK_FIRST, PK_LAST };

struct op {
	unsigned char kind;     /* enum op_kind */
	unsigned char esc;      /* enum esc */
	unsigned char url;      /* |url */
	unsigned char once;     /* a section inside a tag never loops */
	unsigned char pk;       /* enum path_kind */
	unsigned char nsegs;    /* parts of a PK_NAME */
	unsigned line;
	size_t end;             /* OP_SECT, OP_INV: index after the body */
	size_t off, len;        /* OP_TEXT: bytes; OP_PARTIAL: name */
	size_t seg;             /* first of the parts in prog.segs */
};

struct prog {
	struct op *ops;
	size_t nops, capops;
	struct hd_buf pool;     /* literal text and NUL-ended names */
	size_t *segs;           /* pool offsets of name parts */
	size_t nsegs, capsegs;
};

/* Free a program (NULL accepted). */
void tmpl_prog_free(struct prog *p);
/* Compile src (n bytes) read from path.  Returns 0 and *out (free with
 * tmpl_prog_free), or HD_EINVAL with "path:line: why" in e. */
int tmpl_compile(const char *path, const char *src, size_t n,
	struct prog **out, struct hd_error *e);
/* ASCII helpers shared with the renderer. */
int tmpl_is_alpha(int ch);
int tmpl_lower(int ch);

#endif
