#!/usr/bin/env python3
"""manpages.py - a real mixed-script corpus for `make eval`.

Debian's manpages-zh holds the manual pages translated into Simplified
(/usr/share/man/zh_CN) and Traditional Chinese (zh_TW), written by
translators, not by this project.  Each page (aliases, which are
symbolic links, left out) is formatted by groff as `man` formats it, with
lines long enough that no paragraph is folded, and written as one line of

    SCRIPT TAB PAGE TAB TITLE TAB BODY

SCRIPT zh_CN or zh_TW, PAGE its path below the language folder
("man1/ls.1.gz"), TITLE the text of the NAME section (名称, 名稱):
"ls - 列出目录内容"; BODY the whole formatted page, white space inside a
line collapsed, a blank line between paragraphs, with backslash, tab and
newline written as \\\\, \\t and \\n.  Pages in a fixed order, so the same
package gives the same bytes.

  manpages.py OUT [ROOT]     ROOT: /usr/share/man by default
"""
import concurrent.futures
import gzip
import os
import re
import subprocess
import sys

SCRIPTS = ("zh_CN", "zh_TW")
NAMES = re.compile(r"NAME|名称|名稱", re.I)


def pages(root):
    """(script, page path) of every regular file, in a fixed order."""
    out = []
    for script in SCRIPTS:
        top = os.path.join(root, script)
        for d, subdirs, files in os.walk(top):
            subdirs.sort()
            for f in sorted(files):
                p = os.path.join(d, f)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                out.append((script, os.path.relpath(p, top)))
    return out


def render(path):
    """The page formatted as text, or "" when groff fails."""
    with open(path, "rb") as f:
        src = f.read()
    if path.endswith(".gz"):
        src = gzip.decompress(src)
    r = subprocess.run(["groff", "-k", "-Kutf-8", "-Tutf8", "-mandoc",
                        "-rLL=2000n", "-P-cbou"], input=src,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       check=False)
    return r.stdout.decode("utf-8", "replace")


def shape(text):
    """(title, body) of a formatted page: header and footer lines out,
    white space collapsed, paragraphs apart by one blank line.  The title
    is the section after the first heading (a line groff does not
    indent) that names NAME, 名称 or 名稱 ("NAME(名称)", "名称 (NAME)")."""
    raw = text.split("\n")
    while raw and not raw[0].strip():
        raw.pop(0)
    while raw and not raw[-1].strip():
        raw.pop()
    raw = raw[1:-1]                 # "LS(1) 用户命令 LS(1)", the footer
    title, take = [], False
    for ln in raw:
        heading = ln.strip() and not ln[0].isspace()
        if take and (heading or (not ln.strip() and title)):
            break
        if take and ln.strip():
            title.append(ln.strip())
        if heading and not title and NAMES.search(ln):
            take = True
    body, blank = [], True
    for ln in raw:
        ln = re.sub(r"\s+", " ", ln).strip()
        if ln:
            body.append(ln)
            blank = False
        elif not blank:
            body.append("")
            blank = True
    return re.sub(r"\s+", " ", " ".join(title)), "\n".join(body).strip()


def esc(s):
    """s with backslash, tab and newline escaped."""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: manpages.py OUT [ROOT]")
    out = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/man"
    todo = pages(root)
    if not todo:
        sys.exit("manpages.py: no page under %s/zh_CN or zh_TW "
                 "(apt-get install manpages-zh)" % root)
    paths = [os.path.join(root, s, p) for s, p in todo]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
        texts = list(ex.map(render, paths))
    n = 0
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        for (script, page), text in zip(todo, texts):
            title, body = shape(text)
            if not body:
                continue
            f.write("%s\t%s\t%s\t%s\n" % (script, page, esc(title),
                                          esc(body)))
            n += 1
    os.replace(out + ".tmp", out)
    print("manpages.py: %d pages into %s" % (n, out))


if __name__ == "__main__":
    main()
