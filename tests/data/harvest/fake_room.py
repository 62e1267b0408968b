#!/usr/bin/env python3
"""A fake OAI-PMH room for tests/cases/t0810-harvest.sh: one bad kind of
source per MODE, on 127.0.0.1:PORT, until killed.

  fake_room.py MODE PORT [UPSTREAM]

  slow      answers nothing for 60 s
  notxml    200 with text that is not XML
  invalid   Identify right, then XML in the OAI-PMH namespace without
            responseDate
  loop      a page whose resumptionToken is the one just given
  noid      a record whose header has no identifier
  doctype   a page with a DOCTYPE whose entity grows into the title
  rights    two records, one public, one the room marks restricted
  thumbs    four records whose thumbnails (dc:relation) are: a redirect
            to another host name of this server (localhost), a redirect
            on this host, an endless answer without a length (chunked),
            and one whose Content-Length is 10 MiB; the Host of every
            request of the thumbnail the redirects lead to is appended to
            $FAKE_STATE/PORT.hosts, the bytes the endless one got out
            before the district cut it are written to $FAKE_STATE/PORT.sent
  reissue   two records; the first's OAI-PMH identifier changes with the
            number in $FAKE_STATE/PORT.gen (1 when missing), its
            reference code stays: a record withdrawn and issued again
  proxy     passes requests on to UPSTREAM (a real room's /oai); the
            ListRecords request number N in the file $FAKE_STATE/PORT.fail
            (when it exists) gets its connection closed without an
            answer, as a room stopped between pages; $FAKE_STATE/PORT.delay
            (seconds) slows each ListRecords answer
"""
import http.server
import os
import sys
import time
import urllib.parse
import urllib.request

MODE, PORT = sys.argv[1], int(sys.argv[2])
UPSTREAM = sys.argv[3] if len(sys.argv) > 3 else None
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        '<responseDate>2026-01-01T00:00:00Z</responseDate>'
        '<request>http://127.0.0.1/oai</request>')
IDENTIFY = (HEAD + '<Identify><repositoryName>fake</repositoryName>'
            '<baseURL>http://127.0.0.1/oai</baseURL>'
            '<protocolVersion>2.0</protocolVersion>'
            '<adminEmail>a@b.cd</adminEmail>'
            '<earliestDatestamp>2026-01-01T00:00:00Z</earliestDatestamp>'
            '<deletedRecord>transient</deletedRecord>'
            '<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>'
            '</Identify></OAI-PMH>')


def record(oai_id, ref, title, rights="公开 (public)", ident=True,
           rel=None):
    h = '<identifier>%s</identifier>' % oai_id if ident else ''
    r = '<dc:relation>%s</dc:relation>' % rel if rel else ''
    return ('<record><header>%s<datestamp>2026-01-01T00:00:00Z</datestamp>'
            '</header><metadata><oai_dc:dc '
            'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<dc:title>%s</dc:title><dc:identifier>%s</dc:identifier>'
            '<dc:rights>%s</dc:rights>%s</oai_dc:dc></metadata></record>'
            % (h, title, ref, rights, r))


def page(records, token=None):
    t = '<resumptionToken>%s</resumptionToken>' % token if token else ''
    return HEAD + '<ListRecords>' + records + t + '</ListRecords></OAI-PMH>'


PAGES = {
    "loop": page(record("oai:f:1", "QL01-WS·2020·Y-0001", "循环一"), "same"),
    "noid": page(record("oai:f:1", "QN01-WS·2020·Y-0001", "有号") +
                 record("", "QN01-WS·2020·Y-0002", "无号", ident=False)),
    "doctype": page(record("oai:f:1", "QD01-WS·2020·Y-0001",
                           "&a;&a;&a;&a;")).replace(
        '<OAI-PMH', '<!DOCTYPE OAI-PMH [<!ENTITY a "实体实体实体实体">]>'
        '<OAI-PMH', 1),
    "rights": page(record("oai:f:1", "QR01-WS·2020·Y-0001", "公开的一件") +
                   record("oai:f:2", "QR01-WS·2020·Y-0002", "限制的一件",
                          "限制 (restricted)") +
                   record("oai:f:3", "QR01-WS·2020·Y-0003", "内部的一件",
                          "内部 (internal)")),
}
HERE = "http://127.0.0.1:%d" % PORT
PAGES["thumbs"] = page(
    record("oai:f:1", "QT01-WS·2020·Y-0001", "跳到别处", rel=HERE +
           "/t/away.jpg") +
    record("oai:f:2", "QT01-WS·2020·Y-0002", "本机跳转", rel=HERE +
           "/t/near.jpg") +
    record("oai:f:3", "QT01-WS·2020·Y-0003", "没有尽头", rel=HERE +
           "/t/endless.jpg") +
    record("oai:f:4", "QT01-WS·2020·Y-0004", "声称很大", rel=HERE +
           "/t/long.jpg"))
# a JPEG's first bytes, then filler: what the district checks of one
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 8
lists = 0


def state(ext):
    return os.path.join(os.environ.get("FAKE_STATE", "."),
                        "%d.%s" % (PORT, ext))


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, body, ctype="text/xml; charset=utf-8"):
        b = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        global lists
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        verb = q.get("verb", [""])[0]
        if MODE == "slow":
            time.sleep(60)
            return
        if MODE == "notxml":
            return self.send("hello, this is not XML <<<", "text/plain")
        if MODE == "invalid" and verb != "Identify":
            return self.send('<?xml version="1.0"?><OAI-PMH xmlns='
                             '"http://www.openarchives.org/OAI/2.0/">'
                             '<ListRecords/></OAI-PMH>')
        if MODE == "thumbs" and self.path.startswith("/t/"):
            return self.thumb(self.path[3:])
        if MODE == "reissue" and verb == "ListRecords":
            gen = (open(state("gen")).read().strip()
                   if os.path.exists(state("gen")) else "1")
            return self.send(page(
                record("oai:f:%s-1" % gen, "QX01-WS·2020·Y-0001",
                       "第%s版" % gen) +
                record("oai:f:2", "QX01-WS·2020·Y-0002", "不变的一件")))
        if MODE == "proxy":
            if verb == "ListRecords":
                lists += 1
                base = os.path.join(os.environ.get("FAKE_STATE", "."),
                                    str(PORT))
                if os.path.exists(base + ".delay"):
                    time.sleep(float(open(base + ".delay").read()))
                if (os.path.exists(base + ".fail") and
                        int(open(base + ".fail").read()) == lists):
                    self.close_connection = True
                    return
            path = urllib.parse.urlparse(self.path)
            with urllib.request.urlopen(UPSTREAM + "?" + path.query) as r:
                return self.send(r.read().decode())
        if verb == "Identify":
            return self.send(IDENTIFY)
        return self.send(PAGES[MODE])

    def thumb(self, name):
        if name in ("away.jpg", "near.jpg"):
            self.send_response(302)
            self.send_header("Location", "http://localhost:%d/t/ok.jpg" %
                             PORT if name == "away.jpg" else "/t/ok.jpg")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if name == "ok.jpg":
            with open(state("hosts"), "a") as f:
                f.write(self.headers.get("Host", "") + "\n")
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(JPEG)))
            self.end_headers()
            self.wfile.write(JPEG)
            return
        # endless (chunked, 64 MiB if nobody stops it) or long (a
        # Content-Length of 10 MiB)
        self.protocol_version = "HTTP/1.1"
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        if name == "long.jpg":
            self.send_header("Content-Length", str(10 << 20))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        block = JPEG + bytes(65536 - len(JPEG))
        try:
            while sent < (64 << 20) and not (name == "long.jpg" and
                                             sent >= (10 << 20)):
                if name == "long.jpg":
                    self.wfile.write(block)
                else:
                    self.wfile.write(b"%x\r\n" % len(block) + block +
                                     b"\r\n")
                sent += len(block)
            if name != "long.jpg":
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        if name == "endless.jpg":
            with open(state("sent"), "w") as f:
                f.write(str(sent))


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
