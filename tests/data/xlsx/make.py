#!/usr/bin/env python3
"""Make the catalogue-sheet fixtures of tests/cases/t0120-sheet.sh.

    python3 tests/data/xlsx/make.py [DIR]     (DIR: this folder)

One catalogue, six records, saved four ways:

  catalogue.csv   as Excel (zh-CN) saves it as "CSV UTF-8": a BOM, and
                  date cells as they are shown (1958/10/1, 1985年1月5日)
  openpyxl.xlsx   written by openpyxl (python3-openpyxl), which stores
                  strings inline and dates as serials styled yyyy-mm-dd
  excel.xlsx      the XML Excel writes, by hand: shared strings with rich
                  text runs and a phonetic run, date cells styled with
                  built-in formats 14 and 31 (Chinese), a formula's text,
                  empty styled cells, a skipped row, and the catalogue on
                  the first visible tab, which is neither the first sheet
                  of the workbook (a hidden code list is) nor the first
                  worksheet of the zip (a notes sheet is)
  excel1904.xlsx  the same with the 1904 date system (Excel for Mac)

and minimal.xlsx, the least a reader must take: five parts, inline
strings, no styles, no shared strings, cells without references.

The files are the same on every run (fixed times in the zip and the
document properties), so the committed copies can be checked with
"git diff --stat" after running it.
"""
import csv
import datetime
import io
import os
import sys
import zipfile
from xml.sax.saxutils import escape, quoteattr

HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.abspath(__file__))
STAMP = (2024, 1, 1, 0, 0, 0)
D = datetime.date

HEADER = ['文件名', '题名', '责任者', '日期', '门类', '保管期限', '开放',
          '主题词', '人物', '地点', '页数', '机构问题', '附注', '位置']
# (value, how Excel shows it) for date cells; fmt: 14 or 31
ROWS = [
    ['卷001', '前锋街道居民委员会成立大会记录', '前锋街道办事处',
     (D(1958, 10, 1), 14), 'WS', 'Y', 'public', '居委会;成立大会',
     '张桂英、李德全', '番禺市桥', 2, 'SQ', '两页, 手写', '一号库房-01柜-03盒'],
    ['红岩.txt', '红色读书角书目：《红岩》', '社区图书室', 2021, 'WS', 'D30',
     '公开', '红色读书角、革命文学', None, None, None, 'DS', None, None],
    ['a.txt;b.txt', '排水沟改造前后', '前锋社区居委会', '2022-05/2022-09',
     'WS', 'D10', 'internal', '老旧小区改造', '王建国', None, None, 'GZ',
     None, None],
    ['通知.txt', '关于召开第一届居民代表大会的通知', '前锋街道居民委员会',
     (D(1985, 1, 5), 31), 'WS', 'Y', 'public', '居民代表大会', '张桂英',
     '前锋社区活动室', 1, 'SQ', None, None],
    ['合影.txt', '居委会成员合影说明', '前锋社区居委会', '1990.6.1', 'WS',
     'D30', 'public', None, '张桂英；王建国', None, None, 'SQ', '照片另存',
     None],
    ['名单.txt', '1985年选民名单', '前锋街道居民委员会', '1985/3/12', 'WS',
     'Y', 'restricted', None, None, None, 3, 'SQ', None, '一号库房-01柜-04盒'],
]


def shown(v):
    """A cell as Excel (zh-CN) shows it, which is what its CSV holds."""
    if isinstance(v, tuple):
        d, fmt = v
        if fmt == 31:
            return '%d年%d月%d日' % (d.year, d.month, d.day)
        return '%d/%d/%d' % (d.year, d.month, d.day)
    return '' if v is None else str(v)


def serial(d, date1904=False):
    """The serial day number of a date (1900 or 1904 system)."""
    base = D(1904, 1, 1) if date1904 else D(1899, 12, 30)
    return (d - base).days


def col(i):
    """Column letters of index i (0 is A)."""
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_zip(path, parts):
    """A zip of (name, text) parts in the given order, fixed times."""
    with zipfile.ZipFile(path, 'w') as z:
        for name, text in parts:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode('utf-8'))


def restamp(path):
    """Rewrite a zip with fixed entry times, keeping the order."""
    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i.filename).decode('utf-8'))
                 for i in z.infolist()]
    write_zip(path, parts)


def make_csv():
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator='\r\n')
    w.writerow(HEADER)
    for r in ROWS:
        w.writerow([shown(v) for v in r])
    with open(os.path.join(HERE, 'catalogue.csv'), 'w',
              encoding='utf-8-sig', newline='') as f:
        f.write(buf.getvalue())


def make_openpyxl():
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = '目录'
    ws.append(HEADER)
    for r in ROWS:
        ws.append([v[0] if isinstance(v, tuple) else v for v in r])
    t = datetime.datetime(2024, 1, 1)
    wb.properties.created = t
    wb.properties.modified = t
    path = os.path.join(HERE, 'openpyxl.xlsx')
    wb.save(path)
    restamp(path)


NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
      'relationships"')
REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
PKG = 'http://schemas.openxmlformats.org/package/2006/relationships'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
CT = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
      'content-types"><Default Extension="rels" ContentType="application/'
      'vnd.openxmlformats-package.relationships+xml"/><Default '
      'Extension="xml" ContentType="application/xml"/>%s</Types>')
SHEET_CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml.'


def override(part, kind):
    return '<Override PartName="/%s" ContentType="%s%s"/>' % (
        part, SHEET_CT, kind)


def rels(items):
    return DECL + '<Relationships xmlns="%s">%s</Relationships>' % (
        PKG, ''.join('<Relationship Id="%s" Type="%s/%s" Target="%s"/>' %
                     i for i in items))


class Strings:
    """The shared strings table, in order of first use."""

    def __init__(self):
        self.items = []
        self.index = {}
        self.count = 0

    def add(self, xml):
        self.count += 1
        if xml not in self.index:
            self.index[xml] = len(self.items)
            self.items.append(xml)
        return self.index[xml]

    def text(self, s):
        sp = ' xml:space="preserve"' if s != s.strip() else ''
        return self.add('<t%s>%s</t>' % (sp, escape(s)))

    def xml(self):
        return DECL + '<sst %s count="%d" uniqueCount="%d">%s</sst>' % (
            NS.split(' ')[0], self.count, len(self.items),
            ''.join('<si>%s</si>' % i for i in self.items))


def sheet_xml(rows_xml, dim):
    return DECL + (
        '<worksheet %s xmlns:mc="http://schemas.openxmlformats.org/markup-'
        'compatibility/2006" mc:Ignorable="x14ac" xmlns:x14ac="http://'
        'schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        '<dimension ref="%s"/><sheetViews><sheetView workbookViewId="0"/>'
        '</sheetViews><sheetFormatPr defaultRowHeight="14.25" '
        'x14ac:dyDescent="0.2"/><cols><col min="1" max="1" width="12.625" '
        'customWidth="1"/></cols><sheetData>%s</sheetData><phoneticPr '
        'fontId="1" type="noConversion"/><pageMargins left="0.7" right="0.7"'
        ' top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        % (NS, dim, rows_xml))


def text_sheet(sst, lines):
    out = []
    for i, line in enumerate(lines):
        out.append('<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (
            i + 1, i + 1, sst.text(line)))
    return sheet_xml(''.join(out), 'A1:A%d' % len(lines))


def make_excel(name, date1904):
    sst = Strings()
    # the notes and the hidden code list come first in the strings, as
    # Excel numbers them in the order the sheets were typed
    notes = text_sheet(sst, ['本表由扫描公司填写，一行一件。',
                             '日期按 年/月/日 填写。'])
    codes = text_sheet(sst, ['WS 文书', 'ZP 照片'])
    # styles: 0 General, 1 built-in 14 (yyyy/m/d in zh-CN), 2 built-in 31
    # (yyyy"年"m"月"d"日"), 3 text (@), 4 General again (a font change)
    style_of = {14: 1, 31: 2}
    out = []
    cells = []
    for i, h in enumerate(HEADER):
        cells.append('<c r="%s1" s="3" t="s"><v>%d</v></c>' % (
            col(i), sst.text(h)))
    out.append('<row r="1" spans="1:14" x14ac:dyDescent="0.2">%s</row>'
               % ''.join(cells))
    rownum = 2
    for k, r in enumerate(ROWS):
        if k == 2:
            rownum += 1        # a row left empty: absent from the XML
        cells = []
        for i, v in enumerate(r):
            ref = '%s%d' % (col(i), rownum)
            if v is None:
                if i == 13:
                    cells.append('<c r="%s" s="4"/>' % ref)
                continue
            if isinstance(v, tuple):
                cells.append('<c r="%s" s="%d"><v>%d</v></c>' % (
                    ref, style_of[v[1]], serial(v[0], date1904)))
            elif isinstance(v, int):
                cells.append('<c r="%s"><v>%d</v></c>' % (ref, v))
            elif i == 1 and k == 3:
                # rich text: a bold run and a plain one
                idx = sst.add('<r><rPr><b/><sz val="11"/><rFont val="宋体"/>'
                              '<charset val="134"/></rPr><t>关于召开</t></r>'
                              '<r><rPr><sz val="11"/><rFont val="宋体"/>'
                              '<charset val="134"/></rPr><t>%s</t></r>'
                              % escape(v[4:]))
                cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, idx))
            elif i == 1 and k == 0:
                # a phonetic reading, which is not part of the text
                idx = sst.add('<t>%s</t><rPh sb="0" eb="2"><t>qianfeng'
                              '</t></rPh><phoneticPr fontId="1" type='
                              '"noConversion"/>' % escape(v))
                cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, idx))
            elif i == 13 and k == 0:
                # a formula whose result is text
                cells.append('<c r="%s" t="str"><f>"一号库房-01柜-"&amp;'
                             '"03盒"</f><v>%s</v></c>' % (ref, escape(v)))
            else:
                cells.append('<c r="%s" t="s"><v>%d</v></c>' % (
                    ref, sst.text(v)))
        out.append('<row r="%d" spans="1:14">%s</row>' % (
            rownum, ''.join(cells)))
        rownum += 1
    catalogue = sheet_xml(''.join(out), 'A1:N%d' % (rownum - 1))
    styles = DECL + (
        '<styleSheet %s><fonts count="2"><font><sz val="11"/><name val="'
        '等线"/><family val="2"/><charset val="134"/></font><font><sz val="9"'
        '/><name val="等线"/><charset val="134"/></font></fonts><fills count='
        '"2"><fill><patternFill patternType="none"/></fill><fill><patternFill'
        ' patternType="gray125"/></fill></fills><borders count="1"><border>'
        '<left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="14" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" '
        'fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" '
        'fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="31" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/><xf numFmtId="49" fontId="0" fillId="0" '
        'borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" '
        'fontId="1" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles'
        ' count="1"><cellStyle name="常规" xfId="0" builtinId="0"/>'
        '</cellStyles></styleSheet>' % NS.split(' ')[0])
    pr = '<workbookPr date1904="1"/>' if date1904 else \
        '<workbookPr defaultThemeVersion="166925"/>'
    workbook = DECL + (
        '<workbook %s><fileVersion appName="xl" lastEdited="7" '
        'lowestEdited="7" rupBuild="27425"/>%s<bookViews><workbookView '
        'xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300" '
        'activeTab="1"/></bookViews><sheets><sheet name="代码表" sheetId="3"'
        ' state="hidden" r:id="rId1"/><sheet name="目录" sheetId="2" '
        'r:id="rId2"/><sheet name="说明" sheetId="1" r:id="rId3"/></sheets>'
        '<calcPr calcId="191029"/></workbook>' % (NS, pr))
    wb_rels = rels([
        ('rId1', REL, 'worksheet', 'worksheets/sheet3.xml'),
        ('rId2', REL, 'worksheet', 'worksheets/sheet2.xml'),
        ('rId3', REL, 'worksheet', 'worksheets/sheet1.xml'),
        ('rId4', REL, 'theme', 'theme/theme1.xml'),
        ('rId5', REL, 'styles', 'styles.xml'),
        ('rId6', REL, 'sharedStrings', 'sharedStrings.xml')])
    pkg_rels = rels([
        ('rId3', REL, 'extended-properties', 'docProps/app.xml'),
        ('rId2', PKG, 'metadata/core-properties', 'docProps/core.xml'),
        ('rId1', REL, 'officeDocument', 'xl/workbook.xml')])
    types = DECL + CT % ''.join([
        override('xl/workbook.xml', 'sheet.main+xml'),
        override('xl/worksheets/sheet1.xml', 'worksheet+xml'),
        override('xl/worksheets/sheet2.xml', 'worksheet+xml'),
        override('xl/worksheets/sheet3.xml', 'worksheet+xml'),
        override('xl/styles.xml', 'styles+xml'),
        override('xl/sharedStrings.xml', 'sharedStrings+xml')])
    theme = DECL + ('<a:theme xmlns:a="http://schemas.openxmlformats.org/'
                    'drawingml/2006/main" name="Office 主题"/>')
    core = DECL + ('<cp:coreProperties xmlns:cp="http://schemas.'
                   'openxmlformats.org/package/2006/metadata/core-properties"'
                   ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
                   '前锋社区</dc:creator></cp:coreProperties>')
    app = DECL + ('<Properties xmlns="http://schemas.openxmlformats.org/'
                  'officeDocument/2006/extended-properties"><Application>'
                  'Microsoft Excel</Application></Properties>')
    write_zip(os.path.join(HERE, name), [
        ('[Content_Types].xml', types), ('_rels/.rels', pkg_rels),
        ('docProps/app.xml', app), ('docProps/core.xml', core),
        ('xl/workbook.xml', workbook), ('xl/_rels/workbook.xml.rels',
                                        wb_rels),
        ('xl/worksheets/sheet1.xml', notes),
        ('xl/worksheets/sheet2.xml', catalogue),
        ('xl/worksheets/sheet3.xml', codes),
        ('xl/theme/theme1.xml', theme), ('xl/styles.xml', styles),
        ('xl/sharedStrings.xml', sst.xml())])


def make_minimal():
    def row(r, cells):
        return '<row r="%d">%s</row>' % (r, ''.join(
            '<c t="inlineStr"><is><t>%s</t></is></c>' % escape(c)
            for c in cells))
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData>%s%s</sheetData>'
             '</worksheet>' % (row(1, ['文件名', '题名', '日期']),
                               row(3, ['通知.txt', '居民大会通知',
                                       '1985年1月5日'])))
    write_zip(os.path.join(HERE, 'minimal.xlsx'), [
        ('[Content_Types].xml', CT % (
            override('xl/workbook.xml', 'sheet.main+xml') +
            override('xl/worksheets/sheet1.xml', 'worksheet+xml'))),
        ('_rels/.rels', rels([('rId1', REL, 'officeDocument',
                               'xl/workbook.xml')])),
        ('xl/workbook.xml', '<workbook %s><sheets><sheet name="Sheet1" '
         'sheetId="1" r:id="rId1"/></sheets></workbook>' % NS),
        ('xl/_rels/workbook.xml.rels', rels([
            ('rId1', REL, 'worksheet', 'worksheets/sheet1.xml')])),
        ('xl/worksheets/sheet1.xml', sheet)])


if __name__ == '__main__':
    make_csv()
    make_openpyxl()
    make_excel('excel.xlsx', False)
    make_excel('excel1904.xlsx', True)
    make_minimal()
