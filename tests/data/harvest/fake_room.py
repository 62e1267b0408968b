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


def record(oai_id, ref, title, rights="公开 (public)", ident=True):
    h = '<identifier>%s</identifier>' % oai_id if ident else ''
    return ('<record><header>%s<datestamp>2026-01-01T00:00:00Z</datestamp>'
            '</header><metadata><oai_dc:dc '
            'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<dc:title>%s</dc:title><dc:identifier>%s</dc:identifier>'
            '<dc:rights>%s</dc:rights></oai_dc:dc></metadata></record>'
            % (h, title, ref, rights))


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
lists = 0


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


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
