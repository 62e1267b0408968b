/*
 * test_template.c - the template engine (exhibit/template.c) as data:
 * each row is a template, a context in JSON and either the page it must
 * render or the compile error it must fail with, and the reason the row
 * exists.  Then folders overriding one another, refresh after an edit
 * and renders racing a refresh.
 *   test_template         the test
 *   test_template bench   the time of a home-sized page (not a test)
 *
 * In a context, {"$html": "..."} stands for tmpl_html("..."): the one way
 * C code marks a value as HTML.
 */
#include "../../exhibit/site.h"
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct row {
	const char *name;
	const char *tmpl;       /* t.html */
	const char *pname;      /* a second file, or NULL */
	const char *part;
	const char *ctx;        /* JSON */
	const char *want;       /* the page, or NULL: must fail */
	const char *err;        /* a part of the error message */
	const char *why;
};

#define URLROW(n, u, out, why) \
	{n, "<a href=\"{{u}}\">x</a>", NULL, NULL, "{\"u\": " u "}", \
		"<a href=\"" out "\">x</a>", NULL, why}
#define REFUSE(n, t, msg, why) {n, t, NULL, NULL, "{}", NULL, msg, why}

static const struct row rows[] = {
	/* escaping in text and attributes */
	{"text_script", "<p>{{x}}</p>", NULL, NULL,
		"{\"x\": \"<script>alert(1)</script>\"}",
		"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", NULL,
		"a title holding a script renders as text"},
	{"text_quotes", "<p>{{x}}</p>", NULL, NULL,
		"{\"x\": \"\\\"a\\\" & 'b'\"}",
		"<p>&quot;a&quot; &amp; &#39;b&#39;</p>", NULL,
		"& < > \" ' are all escaped in text"},
	{"attr_dq", "<a title=\"{{x}}\">", NULL, NULL,
		"{\"x\": \"\\\" onmouseover=\\\"alert(1)\"}",
		"<a title=\"&quot; onmouseover=&quot;alert(1)\">", NULL,
		"a double quote cannot end the attribute"},
	{"attr_sq", "<a title='{{x}}'>", NULL, NULL,
		"{\"x\": \"' onclick='x\"}",
		"<a title='&#39; onclick=&#39;x'>", NULL,
		"a single quote cannot end the attribute"},
	{"spaces_in_tag", "{{ x }}|{{#  xs  }}{{ . }}{{/ xs }}", NULL, NULL,
		"{\"x\": 1, \"xs\": [2]}", "1|2", NULL,
		"spaces inside the braces are allowed"},
	{"scalars", "{{n}} {{r}} {{b}} {{f}} [{{z}}] {{neg}}", NULL, NULL,
		"{\"n\": 42, \"r\": 2.5, \"b\": true, \"f\": false, "
		"\"z\": null, \"neg\": -7}", "42 2.5 true false [] -7", NULL,
		"numbers plainly, booleans as words, null as nothing"},
	{"reals", "{{a}} {{b}} {{c}}", NULL, NULL,
		"{\"a\": 3.0, \"b\": 0.1, \"c\": 1234567.25}",
		"3 0.1 1234567.25", NULL, "reals without trailing zeros"},
	{"missing", "[{{nope}}][{{a.nope.c}}]", NULL, NULL,
		"{\"a\": {}}", "[][]", NULL, "a missing value is nothing"},
	{"dotted", "{{a.b.c}}", NULL, NULL,
		"{\"a\": {\"b\": {\"c\": \"deep\"}}}", "deep", NULL,
		"dotted names walk into objects"},
	{"containers", "[{{arr}}][{{obj}}]", NULL, NULL,
		"{\"arr\": [1], \"obj\": {\"a\": 1}}", "[][]", NULL,
		"arrays and objects print as nothing"},
	{"rcdata", "<title>{{t}}</title><textarea>{{t}}</textarea>", NULL,
		NULL, "{\"t\": \"</title><script>x</script>\"}",
		"<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>"
		"<textarea>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;"
		"</textarea>", NULL, "title and textarea get text escaping"},
	{"chinese", "<h1>{{t}}</h1>", NULL, NULL,
		"{\"t\": \"前锋社区·红色档案\"}",
		"<h1>前锋社区·红色档案</h1>", NULL,
		"UTF-8 passes through untouched"},

	/* URL attributes */
	URLROW("href_js", "\"javascript:alert(1)\"", "#",
		"javascript: is replaced by #"),
	URLROW("href_js_case", "\"JaVaScRiPt:alert(1)\"", "#",
		"schemes are case-insensitive"),
	URLROW("href_js_space", "\" javascript:alert(1)\"", "#",
		"browsers trim leading spaces"),
	URLROW("href_js_tab", "\"java\\tscript:alert(1)\"", "#",
		"browsers drop tabs inside URLs"),
	URLROW("href_js_ctl", "\"\\u0001javascript:alert(1)\"", "#",
		"browsers trim leading control characters"),
	URLROW("href_data", "\"data:text/html,<script>alert(1)</script>\"",
		"#", "data: is replaced"),
	URLROW("href_vbscript", "\"vbscript:msgbox(1)\"", "#",
		"vbscript: is replaced"),
	URLROW("href_colon_first", "\":alert(1)\"", "#",
		"an empty scheme is not a relative URL we want"),
	URLROW("href_protorel", "\"//evil.example/x\"", "//evil.example/x",
		"protocol-relative URLs are allowed"),
	URLROW("href_path", "\"/record/QF01\"", "/record/QF01",
		"a site path is kept"),
	URLROW("href_relative", "\"record/a:b\"", "record/a:b",
		"a ':' after the first '/' is not a scheme"),
	URLROW("href_https", "\"https://example.org/a?b=1&c=2\"",
		"https://example.org/a?b=1&amp;c=2",
		"https is kept, & escaped"),
	URLROW("href_http_upper", "\"HTTP://example.org/\"",
		"HTTP://example.org/", "allowed schemes in any case"),
	URLROW("href_mailto", "\"mailto:a@b.cn\"", "mailto:a@b.cn",
		"mailto: is kept"),
	URLROW("href_tel", "\"tel:+862012345678\"", "tel:+862012345678",
		"tel: is kept"),
	URLROW("href_fragment", "\"#top\"", "#top", "a fragment is kept"),
	URLROW("href_empty", "\"\"", "", "an empty URL is kept"),
	URLROW("href_html_value", "{\"$html\": \"javascript:alert(1)\"}", "#",
		"a tmpl_html value gets no pass in a URL"),
	{"src_js", "<img src=\"{{u}}\" alt=\"\">", NULL, NULL,
		"{\"u\": \"javascript:alert(1)\"}",
		"<img src=\"#\" alt=\"\">", NULL, "src is a URL attribute too"},
	{"action_js", "<form action='{{u}}'></form>", NULL, NULL,
		"{\"u\": \"javascript:alert(1)\"}",
		"<form action='#'></form>", NULL,
		"action, single-quoted"},
	{"href_entity_trick", "<a href=\"&{{u}}\">x</a>", NULL, NULL,
		"{\"u\": \"#106;avascript:alert(1)\"}",
		"<a href=\"#\">x</a>", NULL,
		"a literal & before the data cannot make &#106; (j)"},
	{"href_split_scheme", "<a href=\"{{a}}:{{b}}\">x</a>", NULL, NULL,
		"{\"a\": \"javascript\", \"b\": \"alert(1)\"}",
		"<a href=\"#\">x</a>", NULL,
		"the value is checked whole, not placeholder by placeholder"},
	{"href_literal_prefix", "<a href=\"java{{u}}\">x</a>", NULL, NULL,
		"{\"u\": \"script:alert(1)\"}", "<a href=\"#\">x</a>", NULL,
		"literal text before the data counts too"},
	{"href_section_prefix",
		"<a href=\"{{#abs}}javascript:{{/abs}}{{p}}\">x</a>", NULL,
		NULL, "{\"abs\": true, \"p\": \"alert(1)\"}",
		"<a href=\"#\">x</a>", NULL,
		"a section inside the value is checked as rendered"},
	{"href_after_path", "<a href=\"/record/{{r}}\">x</a>", NULL, NULL,
		"{\"r\": \"javascript:alert(1)\"}",
		"<a href=\"/record/javascript:alert(1)\">x</a>", NULL,
		"after a literal path, data cannot choose the scheme"},
	{"href_query", "<a href=\"/search?q={{q|url}}\">x</a>", NULL, NULL,
		"{\"q\": \"番禺 & 骑楼/?\"}",
		"<a href=\"/search?q=%E7%95%AA%E7%A6%BA%20%26%20%E9%AA%91"
		"%E6%A5%BC%2F%3F\">x</a>", NULL,
		"|url percent-encodes UTF-8, & and spaces"},
	{"url_unreserved", "{{q|url}}", NULL, NULL,
		"{\"q\": \"aZ09-_.~\"}", "aZ09-_.~", NULL,
		"|url keeps RFC 3986 unreserved bytes"},
	{"url_number", "{{n|url}}", NULL, NULL, "{\"n\": 12}", "12", NULL,
		"|url takes numbers"},
	{"href_literal_kept", "<a href=\"javascript:void(0)\">x</a>", NULL,
		NULL, "{}", "<a href=\"javascript:void(0)\">x</a>", NULL,
		"a URL written in the template is the author's"},
	{"href_upper_spaces", "<A HREF = '{{u}}'>x</A>", NULL, NULL,
		"{\"u\": \"javascript:alert(1)\"}", "<A HREF = '#'>x</A>",
		NULL, "attribute names in any case, spaces around ="},
	{"href_comment_split", "<a hr{{! x }}ef=\"{{u}}\">x</a>", NULL, NULL,
		"{\"u\": \"javascript:alert(1)\"}", "<a href=\"#\">x</a>",
		NULL, "a {{! comment }} cannot hide an attribute name"},
	{"two_urls", "<a href=\"{{a}}\" data-x=\"{{a}}\" src=\"{{b}}\">",
		NULL, NULL, "{\"a\": \"javascript:1\", \"b\": \"/ok\"}",
		"<a href=\"#\" data-x=\"javascript:1\" src=\"/ok\">", NULL,
		"each URL attribute on its own; data-* is not a URL"},

	/* values marked as HTML */
	{"html_text", "<div>{{h}}</div>", NULL, NULL,
		"{\"h\": {\"$html\": \"<b>bold</b>\"}}",
		"<div><b>bold</b></div>", NULL,
		"a tmpl_html value goes out raw in text"},
	{"html_attr", "<a title=\"{{h}}\">", NULL, NULL,
		"{\"h\": {\"$html\": \"<b>\\\"x\\\"</b>\"}}",
		"<a title=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\">", NULL,
		"... but is escaped in an attribute"},
	{"html_title", "<title>{{h}}</title>", NULL, NULL,
		"{\"h\": {\"$html\": \"</title><script>\"}}",
		"<title>&lt;/title&gt;&lt;script&gt;</title>", NULL,
		"... and in <title>"},
	{"html_url", "{{h|url}}", NULL, NULL,
		"{\"h\": {\"$html\": \"<b>\"}}", "%3Cb%3E", NULL,
		"... and |url encodes it"},
	{"html_forged", "[{{a}}][{{b}}]", NULL, NULL,
		"{\"a\": {\"\\u00ffhtml\": \"<b>\"}, "
		"\"b\": {\"__html__\": \"<b>\"}}", "[][]", NULL,
		"parsed JSON cannot pass itself off as HTML"},
	{"html_section", "{{#h}}<p>{{h}}</p>{{/h}}{{^e}}none{{/e}}", NULL,
		NULL, "{\"h\": {\"$html\": \"<i>i</i>\"}, "
		"\"e\": {\"$html\": \"\"}}", "<p><i>i</i></p>none", NULL,
		"an HTML value is true when not empty"},

	/* sections */
	{"loop", "{{#xs}}[{{.}}]{{/xs}}", NULL, NULL,
		"{\"xs\": [1, \"a\", true]}", "[1][a][true]", NULL,
		"an array loops with the item as {{.}}"},
	{"object", "{{#o}}{{name}}/{{top}}{{/o}}", NULL, NULL,
		"{\"o\": {\"name\": \"n\"}, \"top\": \"t\"}", "n/t", NULL,
		"an object is pushed; outer names stay visible"},
	{"bool_true", "{{#b}}yes{{/b}}{{^b}}no{{/b}}", NULL, NULL,
		"{\"b\": true}", "yes", NULL, "true renders once"},
	{"bool_false", "{{#b}}yes{{/b}}{{^b}}no{{/b}}", NULL, NULL,
		"{\"b\": false}", "no", NULL,
		"false is skipped, the inverted section runs"},
	{"empty_array", "{{#xs}}x{{/xs}}{{^xs}}none{{/xs}}", NULL, NULL,
		"{\"xs\": []}", "none", NULL, "an empty array is false"},
	{"missing_section", "{{#xs}}x{{/xs}}{{^xs}}none{{/xs}}", NULL, NULL,
		"{}", "none", NULL, "a missing value is false"},
	{"string_section", "{{#s}}[{{.}}]{{/s}}{{#e}}x{{/e}}", NULL, NULL,
		"{\"s\": \"abc\", \"e\": \"\"}", "[abc]", NULL,
		"a non-empty string renders once, pushed"},
	{"zero", "{{#n}}x{{/n}}{{^n}}zero{{/n}}{{#m}}{{m}}{{/m}}", NULL, NULL,
		"{\"n\": 0, \"m\": 2}", "zero2", NULL,
		"0 is false, other numbers true"},
	{"nested_loops",
		"{{#rows}}{{#cells}}{{name}}:{{.}}@{{title}};{{/cells}}|"
		"{{/rows}}", NULL, NULL,
		"{\"title\": \"T\", \"rows\": [{\"name\": \"r1\", \"cells\": "
		"[1, 2]}, {\"name\": \"r2\", \"cells\": [3]}]}",
		"r1:1@T;r1:2@T;|r2:3@T;|", NULL,
		"names are found from the inside out"},
	{"loop_vars",
		"{{#xs}}{{@index}}{{@number}}{{#@first}}F{{/@first}}"
		"{{#@last}}L{{/@last}}{{^@last}},{{/@last}}{{/xs}}", NULL, NULL,
		"{\"xs\": [\"a\", \"b\", \"c\"]}", "01F,12,23L", NULL,
		"@index, @number, @first, @last"},
	{"loop_vars_nested",
		"{{#a}}{{#b}}{{@index}}{{/b}}-{{@index}};{{/a}}", NULL, NULL,
		"{\"a\": [{\"b\": [1, 2]}, {\"b\": [3]}]}", "01-0;0-1;", NULL,
		"@index is the innermost loop's"},
	{"loop_vars_outside", "[{{@index}}][{{@first}}]", NULL, NULL, "{}",
		"[][]", NULL, "outside a loop they are nothing"},
	{"dotted_section",
		"{{#p}}{{#p.thumb}}<img src=\"{{p.thumb}}\">{{/p.thumb}}"
		"{{/p}}", NULL, NULL, "{\"p\": {\"thumb\": \"/t.jpg\"}}",
		"<img src=\"/t.jpg\">", NULL, "sections on dotted names"},
	{"section_in_value", "<li class=\"item{{#on}} on{{/on}}\">", NULL,
		NULL, "{\"on\": true}", "<li class=\"item on\">", NULL,
		"a section inside an attribute value"},
	{"loop_in_value", "<p class=\"{{#cs}}c-{{.}} {{/cs}}\">", NULL, NULL,
		"{\"cs\": [\"a\", \"b\"]}", "<p class=\"c-a c-b \">", NULL,
		"a loop inside an attribute value"},
	{"section_attr", "<input type=\"checkbox\" {{#c}}checked{{/c}}>",
		NULL, NULL, "{\"c\": true}",
		"<input type=\"checkbox\" checked>", NULL,
		"a section may add a whole attribute"},
	{"section_attr_off", "<input type=\"checkbox\" {{#c}}checked{{/c}}>",
		NULL, NULL, "{\"c\": false}", "<input type=\"checkbox\" >",
		NULL, "... or leave it out"},
	{"section_attr_once", "<input {{#xs}}checked{{/xs}}>", NULL, NULL,
		"{\"xs\": [1, 2, 3]}", "<input checked>", NULL,
		"inside a tag a section never loops"},
	{"section_attr_value",
		"<a {{#u}}href=\"{{u}}\"{{/u}} class=\"x\">", NULL, NULL,
		"{\"u\": \"javascript:x\"}", "<a href=\"#\" class=\"x\">",
		NULL, "a conditional URL attribute is still checked"},
	{"section_after_value",
		"<a title=\"{{t}}\"{{#on}} class=\"on\"{{/on}}>", NULL, NULL,
		"{\"t\": \"T\", \"on\": 1}", "<a title=\"T\" class=\"on\">",
		NULL, "a section right after a quoted value"},
	{"comment", "a{{! a comment }}b{{!\nmulti\nline }}c", NULL, NULL,
		"{}", "abc", NULL, "comments vanish"},
	{"section_in_script", "<script>{{#x}}var a;{{/x}}</script>", NULL,
		NULL, "{\"x\": 1}", "<script>var a;</script>", NULL,
		"sections (no data) may choose script text"},

	/* partials */
	{"partial", "<main>{{> p}}</main>", "p.html", "<b>{{x}}</b>",
		"{\"x\": \"<i>\"}", "<main><b>&lt;i&gt;</b></main>", NULL,
		"a partial is escaped the same way"},
	{"partial_loop", "{{#xs}}{{> p}}{{/xs}}", "p.html", "({{.}})",
		"{\"xs\": [1, 2]}", "(1)(2)", NULL,
		"a partial sees the current item"},
	{"partial_folder", "{{> partials/head}}!", "partials/head.html",
		"<h1>{{t}}</h1>", "{\"t\": \"x\"}", "<h1>x</h1>!", NULL,
		"partials may live in partials/"},
	{"partial_tree", "{{> p}}", "p.html",
		"({{n}}{{#kids}}{{> p}}{{/kids}})",
		"{\"n\": \"a\", \"kids\": [{\"n\": \"b\", \"kids\": "
		"[{\"n\": \"c\", \"kids\": []}]}, {\"n\": \"d\", "
		"\"kids\": []}]}", "(a(b(c))(d))", NULL,
		"recursion through a section renders a tree (a leaf needs "
		"\"kids\": [], or the parent's kids are found)"},
	{"partial_recursion", "{{> p}}", "p.html", "x{{> p}}", "{}", NULL,
		"partials nested deeper than 16",
		"endless recursion stops at the cap"},
	{"partial_missing", "{{> nope}}", NULL, NULL, "{}", NULL,
		"t.html:1: partial nope.html not found",
		"a missing partial fails the load"},
	{"partial_in_attr", "<a title=\"{{> p}}\">", "p.html", "x", "{}",
		NULL, "allowed in HTML text only",
		"a partial cannot stand inside a tag"},
	{"partial_bad_name", "{{> ../etc/passwd}}", NULL, NULL, "{}", NULL,
		"bad partial name", "partial names stay in the folders"},
	{"partial_unbalanced", "{{> p}}", "p.html", "<script>", "{}", NULL,
		"p.html:1: the template ends inside <script>",
		"a partial must end in HTML text"},

	/* refused at compile time */
	REFUSE("in_script", "<script>var x = \"{{x}}\";</script>",
		"t.html:1: {{x}} inside <script> is not allowed",
		"no data in scripts (the CSP forbids inline script)"),
	REFUSE("in_script_line", "a\nb\n<script>\n{{x}}</script>",
		"t.html:4: {{x}} inside <script>", "the line is reported"),
	REFUSE("msg_one_line", "<p>{{count}\n张}}</p>",
		"t.html:1: {{count} 张}}: '}' is not allowed in a name",
		"a message is one line: a tag broken over lines is quoted "
		"with a space for the line break (found by fuzz_template)"),
	REFUSE("msg_cut_name", "<p></span档案讲好社区故事 {{#x}}{{/x}}>",
		"(inside tag </span档案讲好社区>)",
		"a long tag name is quoted cut before a character, never "
		"inside one: the message stays UTF-8 (found by "
		"fuzz_template)"),
	REFUSE("msg_control", "{{a\tb}}",
		"t.html:1: {{a b}}: ' ' is not allowed in a name",
		"a control character in a name is quoted as a space"),
	REFUSE("in_script_upper", "<SCRIPT type=\"module\">{{x}}</SCRIPT>",
		"inside <script>", "tag names are case-insensitive"),
	REFUSE("in_style", "<style>p { color: {{c}} }</style>",
		"{{c}} inside <style> is not allowed", "no data in CSS"),
	REFUSE("style_attr", "<p style=\"color: {{c}}\">",
		"{{c}} in a style attribute is not allowed",
		"no data in style attributes"),
	REFUSE("onclick", "<a onclick=\"go('{{x}}')\">",
		"{{x}} in event-handler attribute onclick= of <a>",
		"no data in event handlers"),
	REFUSE("onload_upper", "<body OnLoad='{{x}}'>",
		"event-handler attribute onload=", "any case of on*"),
	REFUSE("unquoted", "<a href={{u}}>x</a>",
		"{{u}} in the unquoted value of href=",
		"unquoted values could be ended by a space"),
	REFUSE("unquoted_later", "<a title=x{{u}}>x</a>",
		"unquoted value of title=", "... anywhere in the value"),
	REFUSE("attr_name", "<a {{x}}=\"1\">",
		"{{x}} in an attribute name position of <a>",
		"data cannot name an attribute"),
	REFUSE("attr_name_bare", "<input {{x}}>", "attribute name position",
		"... nor be an attribute"),
	REFUSE("tag_name", "<{{x}}>", "{{x}} in a tag name",
		"data cannot name an element"),
	REFUSE("end_tag", "</p {{x}}>", "inside end tag </p>",
		"nor stand in an end tag"),
	REFUSE("html_comment", "<!-- {{x}} -->",
		"{{x}} inside an HTML comment is not allowed",
		"comments can be ended and conditional comments run"),
	REFUSE("bogus_comment", "<!DOCTYPE {{x}}>", "inside <!...>",
		"nor in declarations"),
	REFUSE("srcset", "<img srcset=\"{{x}} 2x\">", "srcset",
		"srcset holds several URLs: refused"),
	REFUSE("srcdoc", "<iframe srcdoc=\"{{x}}\"></iframe>", "srcdoc",
		"srcdoc is HTML"),
	REFUSE("iframe_body", "<iframe>{{x}}</iframe>", "inside <iframe>",
		"raw-text elements refuse data"),
	REFUSE("svg_animate",
		"<svg><animate attributeName=\"href\" to=\"{{x}}\"/></svg>",
		"SVG animation", "animate can rewrite href"),
	REFUSE("rcdata_lt", "<title>a</{{x}}</title>", "right after '<'",
		"data could finish an end tag"),
	REFUSE("script_comment", "<script><!-- </script>",
		"\"<!\" inside <script>", "<!-- moves the end of a script"),
	REFUSE("triple", "{{{x}}}", "raw output is not supported",
		"no Mustache triple braces"),
	REFUSE("ampersand", "{{&x}}", "raw output is not supported",
		"no Mustache {{&x}}"),
	REFUSE("filter", "{{x|json}}", "unknown filter 'json'",
		"|url is the one filter"),
	REFUSE("bad_name", "{{a b}}", "' ' is not allowed",
		"names have no spaces"),
	REFUSE("unclosed_tag", "x {{x", "\"{{\" without \"}}\"",
		"a tag must end"),
	REFUSE("unclosed", "line 1\n{{#a}}\nx", "t.html:2: {{#a}} is "
		"never closed", "a missing {{/a}} names its line"),
	REFUSE("mismatch", "{{#a}}\n{{/b}}",
		"t.html:2: {{/b}} does not match {{#a}} opened at line 1",
		"a mismatched end names both lines"),
	REFUSE("close_nothing", "x\n{{/a}}", "t.html:2: {{/a}} closes no "
		"section", "an end without a start"),
	REFUSE("section_context", "{{#x}}<script>{{/x}}</script>",
		"must start and end in the same place",
		"a section must not change the context"),
	REFUSE("section_quote", "<a title=\"{{#x}}\" b=\"{{/x}}\">",
		"same place", "... not even to another attribute"),
	REFUSE("section_tag", "<a {{#x}}><b {{/x}}>", "same place",
		"... nor to another tag"),
	REFUSE("section_cut_name", "<a o{{#x}}n{{/x}}click=\"{{y}}\">",
		"must stand between attributes",
		"a section cannot glue an on* name together"),
	REFUSE("section_then_eq", "<a {{#c}}href{{/c}}=\"{{u}}\">",
		"must stand between attributes",
		"nor leave '=' to the other path"),
	REFUSE("section_tag_name", "<{{#x}}b{{/x}}>", "not allowed here",
		"no section in a tag name"),
	REFUSE("ends_in_tag", "<p>\n<a href=\"x\"", "t.html:2: the template "
		"ends inside tag <a>", "a template ends in HTML text"),
	REFUSE("ends_in_comment", "<!-- x", "ends inside an HTML comment",
		"... not in a comment"),
	REFUSE("stray_quote", "<a \"x\">", "unexpected '\"'",
		"broken tags are refused rather than guessed"),
	REFUSE("stray_eq", "<a =\"x\">", "unexpected '='",
		"... and so is a stray ="),
};

/* tmpl_html(s) when x is {"$html": s}, else NULL. */
static json_t *html_repl(json_t *x)
{
	json_t *h = json_object_get(x, "$html");

	return json_is_string(h) ? tmpl_html(json_string_value(h)) : NULL;
}

/* Replace every {"$html": s} inside v by tmpl_html(s). */
static void mark_html(json_t *v)
{
	const char *k;
	json_t *x, *r;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, x) {
			r = html_repl(x);
			if (r != NULL) {
				json_object_set_new(v, k, r);
			} else {
				mark_html(x);
			}
		}
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			x = json_array_get(v, i);
			r = html_repl(x);
			if (r != NULL) {
				json_array_set_new(v, i, r);
			} else {
				mark_html(x);
			}
		}
	}
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (strchr(name, '/') != NULL) {
		char sub[512];

		snprintf(sub, sizeof sub, "%s/%.*s", dir,
			(int)(strchr(name, '/') - name), name);
		mkdir(sub, 0755);
	}
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static int rm_one(const char *p, const struct stat *st, int flag,
	struct FTW *ftw)
{
	return remove(p);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *temp_dir(void)
{
	char tmpl[] = "/tmp/hd-tmpl-XXXXXX";
	char *d = mkdtemp(tmpl);

	if (d == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	return hd_xstrdup(d);
}

static void test_rows(void)
{
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		char *dir = temp_dir();
		const char *dirs[1] = {dir};
		struct tmpl_set *ts = NULL;
		struct hd_error e;
		struct hd_buf out;
		json_error_t je;
		json_t *ctx;
		int rc;

		hd_err_clear(&e);
		hd_buf_init(&out);
		put(dir, "t.html", r->tmpl);
		if (r->pname != NULL) {
			put(dir, r->pname, r->part);
		}
		ctx = json_loads(r->ctx, 0, &je);
		if (ctx == NULL) {
			check(r->name, 0, "bad JSON in the row — got %s",
				je.text);
			rm_tree(dir);
			free(dir);
			continue;
		}
		mark_html(ctx);
		rc = tmpl_open(&ts, dirs, 1, &e);
		if (rc == 0) {
			rc = tmpl_render(ts, "t.html", ctx, &out, &e);
		}
		if (r->want != NULL) {
			check(r->name, rc == 0 && strcmp(out.p, r->want) == 0,
				"%s — got %s", r->why, rc != 0 ? e.msg : out.p);
		} else {
			check(r->name, rc != 0 && strstr(e.msg, r->err) != NULL,
				"%s — got %s", r->why, rc == 0 ? out.p : e.msg);
		}
		tmpl_close(ts);
		json_decref(ctx);
		hd_buf_release(&out);
		rm_tree(dir);
		free(dir);
	}
}

/* Render name from ts with ctx given as JSON text. */
static int render_json(struct tmpl_set *ts, const char *name,
	const char *js, struct hd_buf *out, struct hd_error *e)
{
	json_t *ctx = json_loads(js, 0, NULL);
	int rc;

	out->len = 0;
	if (out->p != NULL) {
		out->p[0] = '\0';
	}
	rc = tmpl_render(ts, name, ctx, out, e);
	json_decref(ctx);
	return rc;
}

static void test_errors(void)
{
	char *dir = temp_dir();
	const char *dirs[1] = {dir};
	struct tmpl_set *ts = NULL;
	struct hd_error e;
	struct hd_buf out;
	json_t *ctx, *xs;
	int rc, i;

	hd_buf_init(&out);
	put(dir, "big.html", "{{#xs}}0123456789012345678901234567890123456"
		"789012345678901234567890123456789012345678901234567890123456"
		"7890123456789{{/xs}}");
	put(dir, "a.html", "<p>a</p>");
	rc = tmpl_open(&ts, dirs, 1, &e);
	if (rc != 0) {
		check("errors_open", 0, "the folder loads — got %s", e.msg);
		rm_tree(dir);
		free(dir);
		return;
	}
	rc = render_json(ts, "nope.html", "{}", &out, &e);
	check("unknown_name", rc == HD_ENOTFOUND &&
		strstr(e.msg, "nope.html") != NULL, "an unknown template is "
		"HD_ENOTFOUND naming it — got %s", e.msg);
	rc = render_json(ts, "a", "{}", &out, &e);
	check("name_without_html", rc == 0 && strcmp(out.p, "<p>a</p>") == 0,
		"\"a\" finds a.html — got %s", e.msg);
	ctx = json_object();
	xs = json_array();
	for (i = 0; i < 100000; i++) {
		json_array_append_new(xs, json_integer(i));
	}
	json_object_set_new(ctx, "xs", xs);
	hd_buf_release(&out);
	hd_buf_puts(&out, "kept");
	rc = tmpl_render(ts, "big.html", ctx, &out, &e);
	check("output_cap", rc == HD_ELIMIT && strcmp(out.p, "kept") == 0 &&
		strstr(e.msg, "MiB") != NULL, "a page over 8 MiB is HD_ELIMIT "
		"and out is left as it was — got %s", e.msg);
	json_decref(ctx);
	tmpl_close(ts);
	hd_buf_release(&out);
	rm_tree(dir);

	/* a file over the cap */
	free(dir);
	dir = temp_dir();
	dirs[0] = dir;
	{
		char *huge = hd_xmalloc(300 * 1024 + 1);

		memset(huge, 'x', 300 * 1024);
		huge[300 * 1024] = '\0';
		put(dir, "huge.html", huge);
		free(huge);
	}
	rc = tmpl_open(&ts, dirs, 1, &e);
	if (!check("file_cap", rc == HD_ELIMIT &&
	    strstr(e.msg, "huge.html") != NULL, "a template over 256 KiB is "
	    "refused — got %s", e.msg)) {
		tmpl_close(ts);
	}
	rm_tree(dir);
	free(dir);
}

static void bump(const char *dir, const char *name, int secs)
{
	struct timespec ts[2];
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += secs;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
}

static void expect(struct tmpl_set *ts, const char *name, const char *want,
	const char *tname, const char *why)
{
	struct hd_error e;
	struct hd_buf out;
	int rc;

	hd_buf_init(&out);
	rc = render_json(ts, name, "{\"x\": \"X\"}", &out, &e);
	check(tname, rc == 0 && strcmp(out.p, want) == 0, "%s — got %s", why,
		rc != 0 ? e.msg : out.p);
	hd_buf_release(&out);
}

static void test_override(void)
{
	char *over = temp_dir(), *base = temp_dir();
	char missing[600];
	const char *dirs[3];
	struct tmpl_set *ts = NULL;
	struct hd_error e;
	int rc;

	snprintf(missing, sizeof missing, "%s/absent", base);
	dirs[0] = missing;
	dirs[1] = over;
	dirs[2] = base;
	put(over, "page.html", "over {{x}} {{> part}}");
	put(base, "page.html", "base {{x}}");
	put(base, "part.html", "[base part]");
	put(base, "other.html", "other from base");
	rc = tmpl_open(&ts, dirs, 3, &e);
	if (rc != 0) {
		check("override_open", 0, "the folders load (a missing one is "
			"empty) — got %s", e.msg);
		goto out;
	}
	expect(ts, "page.html", "over X [base part]", "override_first",
		"the first folder wins; its partials come from anywhere");
	expect(ts, "other.html", "other from base", "override_fallback",
		"what the first folder lacks comes from the next");

	put(over, "page.html", "edited {{x}}");
	bump(over, "page.html", 5);
	put(over, "other.html", "other from over");
	rc = tmpl_refresh(ts, 0, &e);
	expect(ts, "page.html", "over X [base part]", "refresh_throttle",
		"refresh looks at the files at most once a second");
	sleep(1);
	usleep(100 * 1000);
	rc = tmpl_refresh(ts, 0, &e);
	if (rc != 0) {
		check("refresh_rc", 0, "the edits compile — got %s", e.msg);
	}
	expect(ts, "page.html", "edited X", "refresh_changed",
		"an edited file is recompiled");
	expect(ts, "other.html", "other from over", "refresh_new_file",
		"a file new in the override folder takes over");

	put(over, "page.html", "broken {{#x}}");
	bump(over, "page.html", 10);
	rc = tmpl_refresh(ts, 1, &e);
	check("refresh_error", rc == HD_EINVAL &&
		strstr(e.msg, "page.html:1:") != NULL, "a broken edit is "
		"reported with file and line — got %s", e.msg);
	expect(ts, "page.html", "edited X", "refresh_keeps_old",
		"a broken edit keeps the old version");
	rc = tmpl_refresh(ts, 1, &e);
	check("force_retries", rc != 0 && strstr(e.msg, "page.html") != NULL,
		"a forced refresh compiles all again — got %s", e.msg);
	put(over, "part.html", "<script>");
	bump(over, "part.html", 10);
	put(over, "page.html", "fixed {{> part}}");
	bump(over, "page.html", 20);
	rc = tmpl_refresh(ts, 1, &e);
	expect(ts, "page.html", "fixed [base part]", "refresh_partial_error",
		"a partial that fails keeps its old version");
out:
	tmpl_close(ts);
	rm_tree(over);
	rm_tree(base);
	free(over);
	free(base);
}

/* ------------------------------------------------------------ threads */

struct race {
	struct tmpl_set *ts;
	atomic_int stop;
	atomic_int bad;
	atomic_long renders;
	char *dir;
};

static void *renderer(void *arg)
{
	struct race *r = arg;
	json_t *ctx = json_pack("{s:s, s:[i,i,i]}", "x", "<x>", "xs", 1, 2,
		3);
	struct hd_error e;
	struct hd_buf out;

	hd_buf_init(&out);
	while (!atomic_load(&r->stop)) {
		out.len = 0;
		if (tmpl_render(r->ts, "page.html", ctx, &out, &e) != 0 ||
			(strcmp(out.p, "A &lt;x&gt; 123 (p)") != 0 &&
			strcmp(out.p, "B &lt;x&gt; 123 (p)") != 0)) {
			atomic_store(&r->bad, 1);
		}
		atomic_fetch_add(&r->renders, 1);
	}
	hd_buf_release(&out);
	json_decref(ctx);
	return NULL;
}

static void *refresher(void *arg)
{
	struct race *r = arg;
	struct hd_error e;
	int i;

	for (i = 0; i < 200; i++) {
		put(r->dir, "page.html", i % 2 ? "A {{x}} {{#xs}}{{.}}{{/xs}}"
			" {{> p}}" : "B {{x}} {{#xs}}{{.}}{{/xs}} {{> p}}");
		bump(r->dir, "page.html", i + 1);
		if (tmpl_refresh(r->ts, i % 3 == 0, &e) != 0) {
			atomic_store(&r->bad, 1);
		}
		usleep(1000);
	}
	atomic_store(&r->stop, 1);
	return NULL;
}

static void test_race(void)
{
	struct race r;
	pthread_t th[5];
	const char *dirs[1];
	struct hd_error e;
	char got[64];
	int i;

	memset(&r, 0, sizeof r);
	r.dir = temp_dir();
	dirs[0] = r.dir;
	put(r.dir, "page.html", "A {{x}} {{#xs}}{{.}}{{/xs}} {{> p}}");
	put(r.dir, "p.html", "(p)");
	if (tmpl_open(&r.ts, dirs, 1, &e) != 0) {
		check("race", 0, "the folder loads — got %s", e.msg);
		goto out;
	}
	for (i = 0; i < 4; i++) {
		pthread_create(&th[i], NULL, renderer, &r);
	}
	pthread_create(&th[4], NULL, refresher, &r);
	for (i = 0; i < 5; i++) {
		pthread_join(th[i], NULL);
	}
	snprintf(got, sizeof got, "%ld renders, a bad one",
		atomic_load(&r.renders));
	if (check("race", !atomic_load(&r.bad) && atomic_load(&r.renders) > 0,
	    "4 threads render while a fifth refreshes — got %s", got)) {
		printf("NOTE race: %ld renders during 200 refreshes\n",
			atomic_load(&r.renders));
	}
out:
	tmpl_close(r.ts);
	rm_tree(r.dir);
	free(r.dir);
}

/* The templates shipped in templates/ compile. */
static void test_shipped(void)
{
	const char *top = getenv("HD_TOP");
	char dir[1024];
	const char *dirs[1] = {dir};
	struct tmpl_set *ts = NULL;
	struct hd_error e;
	struct stat st;

	snprintf(dir, sizeof dir, "%s/templates", top ? top : ".");
	if (stat(dir, &st) != 0) {
		check("shipped", 0, "no %s (HD_TOP is the top of the "
			"repository)", dir);
		return;
	}
	check("shipped", tmpl_open(&ts, dirs, 1, &e) == 0, "the shipped "
		"templates compile — got %s", e.msg);
	tmpl_close(ts);
}

/* Not a test ("test_template bench"): the time of a home-sized page
 * (3 KB, a loop of 20).  Returns the exit status. */
static int bench(void)
{
	char *dir = temp_dir();
	const char *dirs[1] = {dir};
	struct tmpl_set *ts = NULL;
	struct hd_error e;
	struct hd_buf page, out;
	struct timespec t0, t1;
	json_t *ctx, *items;
	double us;
	int i, n = 100000, rc = 0;

	hd_buf_init(&page);
	hd_buf_init(&out);
	hd_buf_puts(&page, "<!doctype html><html lang=\"zh-CN\"><head>"
		"<meta charset=\"utf-8\"><title>{{title}} · {{site.name}}"
		"</title><link rel=\"stylesheet\" href=\"/static/a.css\">"
		"</head><body data-kiosk=\"{{site.kiosk}}\"><header>"
		"<a href=\"/\">{{site.name}}</a></header><main><h1>{{title}}"
		"</h1><ul class=\"tiles\">{{#items}}<li><a class=\"card\" "
		"href=\"{{url}}\">{{#thumb}}<img src=\"{{thumb}}\" "
		"alt=\"{{title}}\">{{/thumb}}<span>{{title}}</span>"
		"<span>{{date}}</span></a></li>\n{{/items}}</ul>"
		"<p>{{records}} 件档案</p></main><footer>{{site.name}}"
		"</footer></body></html>\n");
	put(dir, "home.html", page.p);
	ctx = json_pack("{s:s, s:{s:s, s:b}, s:i}", "title", "首页", "site",
		"name", "前锋社区档案室", "kiosk", 1, "records", 1234);
	items = json_array();
	for (i = 0; i < 20; i++) {
		char url[64], title[64];

		snprintf(url, sizeof url, "/record/QF01-ZP·1985·D30-%04d", i);
		snprintf(title, sizeof title, "骑楼老街的第 %d 张照片 <修复>",
			i);
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s}",
			"url", url, "title", title, "date", "1985-03-12",
			"thumb", "/thumb/ab12cd34ef56"));
	}
	json_object_set_new(ctx, "items", items);
	if (tmpl_open(&ts, dirs, 1, &e) != 0) {
		printf("bench: the page does not compile: %s\n", e.msg);
		rc = 1;
		goto out;
	}
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	n = 10000;      /* sanitizers are 10 times slower; keep it short */
#endif
	if (getenv("HD_BENCH_N") != NULL) {
		n = atoi(getenv("HD_BENCH_N"));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		out.len = 0;
		tmpl_render(ts, "home.html", ctx, &out, &e);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / n;
	printf("BENCH template: %.2f us per render of %zu bytes "
		"(%d renders)\n", us, out.len, n);
out:
	tmpl_close(ts);
	json_decref(ctx);
	hd_buf_release(&page);
	hd_buf_release(&out);
	rm_tree(dir);
	free(dir);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "bench") == 0) {
		return bench();
	}
	test_rows();
	test_errors();
	test_override();
	test_race();
	test_shipped();
	return check_done();
}
