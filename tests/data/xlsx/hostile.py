#!/usr/bin/env python3
"""Write the bad sheets of tests/cases/t0120-sheet.sh into DIR.

    python3 tests/data/xlsx/hostile.py DIR

Made at test time (only the standard library is needed) rather than
committed, since a zip bomb and a sheet over the row cap are big once
unpacked, and the others are a few lines each:

  bomb.xlsx      a worksheet that unpacks to 300 MiB (blanks between
                 elements, so that no one text node is large)
  notzip.xlsx    a zip's signature, then garbage
  nosheet.xlsx   a workbook whose worksheet part is missing
  entity.xlsx    a worksheet declaring an external entity (file:///)
  laughs.xlsx    shared strings with a "billion laughs" entity bomb
  rows.xlsx      100,001 rows under the header (the cap is 100,000)
  manysst.xlsx   1,000,001 shared strings (the cap is 1,000,000)
  doc.ods        an OpenDocument spreadsheet
  old.xls        the head of an Excel 97-2003 (OLE2) file
  scan.pdf       a PDF
"""
import os
import sys
import zipfile

OUT = sys.argv[1]
NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
PKG = 'http://schemas.openxmlformats.org/package/2006/relationships'


def rels(items):
    return '<Relationships xmlns="%s">%s</Relationships>' % (PKG, ''.join(
        '<Relationship Id="%s" Type="%s/%s" Target="%s"/>' % (i, REL, t, g)
        for i, t, g in items))


def book(path, sheet, sst=None, with_sheet=True):
    """An .xlsx whose first worksheet is the XML sheet (a str, or a
    generator of str pieces streamed into the zip)."""
    items = [('rId1', 'worksheet', 'worksheets/sheet1.xml')]
    if sst is not None:
        items.append(('rId2', 'sharedStrings', 'sharedStrings.xml'))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        z.writestr('_rels/.rels', rels([('rId1', 'officeDocument',
                                         'xl/workbook.xml')]))
        z.writestr('xl/workbook.xml', '<workbook xmlns="%s" xmlns:r="%s">'
                   '<sheets><sheet name="目录" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>' % (NS, REL))
        z.writestr('xl/_rels/workbook.xml.rels', rels(items))
        if sst is not None:
            z.writestr('xl/sharedStrings.xml', sst)
        if not with_sheet:
            return
        if isinstance(sheet, str):
            z.writestr('xl/worksheets/sheet1.xml', sheet)
            return
        with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
            for piece in sheet:
                f.write(piece.encode('utf-8'))


def sheet(rows):
    return '<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (
        NS, rows)


def inline(r, cells):
    return '<row r="%d">%s</row>' % (r, ''.join(
        '<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (
            chr(65 + i), r, c) for i, c in enumerate(cells)))


HEAD = inline(1, ['文件名', '题名'])


def bomb():
    yield '<worksheet xmlns="%s"><sheetData>%s' % (NS, HEAD)
    blank = ' ' * (1 << 20) + '<row/>'
    for _ in range(300):
        yield blank
    yield '</sheetData></worksheet>'


def many_rows():
    yield '<worksheet xmlns="%s"><sheetData>%s' % (NS, HEAD)
    for r in range(2, 100003):
        yield '<row r="%d"><c r="A%d" t="inlineStr"><is><t>f%d.txt</t>' \
              '</is></c></row>' % (r, r, r)
    yield '</sheetData></worksheet>'


def main():
    os.makedirs(OUT, exist_ok=True)
    p = lambda n: os.path.join(OUT, n)
    book(p('bomb.xlsx'), bomb())
    with open(p('notzip.xlsx'), 'wb') as f:
        f.write(b'PK\x03\x04' + b'\x14\x00garbage, not a zip' * 8)
    book(p('nosheet.xlsx'), None, with_sheet=False)
    book(p('entity.xlsx'), '<?xml version="1.0"?><!DOCTYPE worksheet ['
         '<!ENTITY pw SYSTEM "file:///etc/passwd">]>' + sheet(
             HEAD + inline(2, ['a.txt', '&pw;'])))
    laughs = '<!ENTITY l0 "哈哈">' + ''.join(
        '<!ENTITY l%d "%s">' % (i, ('&l%d;' % (i - 1)) * 10)
        for i in range(1, 10))
    book(p('laughs.xlsx'), sheet(HEAD + '<row r="2"><c r="A2" t="s"><v>0'
                                 '</v></c></row>'),
         sst='<?xml version="1.0"?><!DOCTYPE sst [%s]><sst xmlns="%s">'
             '<si><t>&l9;</t></si></sst>' % (laughs, NS))
    book(p('rows.xlsx'), many_rows())
    book(p('manysst.xlsx'), sheet(HEAD), sst='<sst xmlns="%s">%s</sst>' % (
        NS, '<si><t>x</t></si>' * 1000001))
    with zipfile.ZipFile(p('doc.ods'), 'w') as z:
        z.writestr('mimetype',
                   'application/vnd.oasis.opendocument.spreadsheet')
        z.writestr('content.xml', '<office:document-content/>')
    with open(p('old.xls'), 'wb') as f:
        f.write(bytes.fromhex('d0cf11e0a1b11ae1') + bytes(16) +
                bytes.fromhex('3e000300feff0900') + bytes(512 - 32))
    with open(p('scan.pdf'), 'wb') as f:
        f.write(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n'
                b'trailer\n<<>>\n%%EOF\n')


main()
