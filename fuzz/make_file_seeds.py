#!/usr/bin/env python3
"""Writes the seed corpus of the csv_import, xlsx_import and id_number fuzz targets: small residents
files in the shapes people upload (UTF-8 with and without BOM, GBK, CR line endings, quoted line
breaks, an earlier error report, bad rows), XLSX workbooks as part lists and as zip files, and ID
numbers valid and not. Standard library only.

    fuzz/make_file_seeds.py
"""
import io
import os
import shutil
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def id_number(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


WANG = id_number("11010819500101001")
LI = id_number("11010819880202002")
HEADER = ["姓名", "身份证号", "联系电话", "楼栋", "单元", "房号", "与户主关系", "户籍类型", "标签", "备注"]
ROWS = [
    ["王建国", WANG, "13812345678", "1号楼", "1单元", "101", "户主", "户籍", "党员;独居", ""],
    ["李秀英", LI, "010-62751234", "1", "1", "101", "配偶", "流动", "", "备注,含逗号"],
]


def csv(rows, sep="\r\n"):
    def cell(c):
        return '"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\r\n') else c
    return sep.join(",".join(cell(c) for c in r) for r in rows) + sep


def reset(name):
    d = os.path.join(HERE, "corpus", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def csv_seeds():
    d = reset("csv_import")
    good = csv([HEADER] + ROWS)
    write(d, "utf8", good)
    write(d, "utf8_bom", b"\xef\xbb\xbf" + good.encode())
    write(d, "gbk", good.encode("gb18030"))
    write(d, "cr_only", csv([HEADER] + ROWS, "\r"))
    write(d, "quoted_newline", csv([HEADER, ["王\n建国", WANG, "", "1号楼", "", "102", "", "", "", "多行\r\n备注"]]))
    bad = [r[:] for r in ROWS]
    bad[0][1] = WANG[:17] + ("1" if WANG[17] != "1" else "2")
    bad[1][2] = "12345"
    write(d, "bad_rows", csv([HEADER] + bad))
    write(d, "error_report", csv([HEADER + ["行号", "错误列", "错误说明", "error"],
                                  ROWS[0] + ["2", "身份证号", "身份证号校验位不正确", "wrong check digit"]]))
    write(d, "aliases", csv([["*名字", "公民身份号码（必填）", "手机", "楼号", "房间号", "special"],
                             ["赵六", id_number("44030519900101003"), "+86 138 1234 5678", "3", "301", "x"]]))
    write(d, "formula_escaped", csv([HEADER[:3], ["'=SUM(A1)", WANG, "'+8613812345678"]]))
    write(d, "extra_cells", csv([HEADER[:2], ["王建国", WANG, "extra", "more"]]))
    write(d, "unclosed_quote", '姓名,身份证号\r\n"王建国,' + WANG + "\r\n")
    write(d, "utf16", "姓名,身份证号\r\n".encode("utf-16"))


def sheet_xml(rows, shared):
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, 1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = chr(ord("A") + c) + str(r)
            if value.isdigit() and len(value) < 10:
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif r % 2:
                if value not in shared:
                    shared.append(value)
                out.append(f'<c r="{ref}" t="s"><v>{shared.index(value)}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def workbook_parts(rows):
    shared = []
    sheet = sheet_xml(rows, shared)
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(f"<si><t>{s}</t></si>" for s in shared[:-1])
           + (f'<si><r><t>{shared[-1][:1]}</t></r><r><t>{shared[-1][1:]}</t></r><rPh><t>ふりがな</t></rPh></si>'
              if shared else "")
           + "</sst>")
    return [
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                            '<sheet name="隐藏" sheetId="2" state="hidden" r:id="rId2"/>'
                            '<sheet name="居民" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                       '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
                                       '<Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/></Relationships>'),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/worksheets/sheet2.xml", sheet_xml([["hidden"]], [])),
        ("xl/sharedStrings.xml", sst),
    ]


def as_parts(parts):
    return "\n".join(f"== {name}\n{body}" for name, body in parts)


def as_zip(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts:
            z.writestr(name, body)
    return buf.getvalue()


def xlsx_seeds():
    d = reset("xlsx_import")
    rows = [HEADER] + ROWS
    write(d, "parts_good", as_parts(workbook_parts(rows)))
    write(d, "parts_gaps", as_parts(workbook_parts([HEADER[:2], ["", WANG], ["王建国"]])))
    write(d, "zip_good", as_zip(workbook_parts(rows)))
    number_id = workbook_parts([HEADER[:2], ["王建国", "x"]])
    number_id[3] = ("xl/worksheets/sheet1.xml", number_id[3][1].replace(
        '<c r="B2" t="inlineStr"><is><t>x</t></is></c>', '<c r="B2"><v>1.10105194912E+17</v></c>'))
    write(d, "parts_number_id", as_parts(number_id))
    write(d, "zip_not_xlsx", as_zip([("hello.txt", "not a workbook")]))


def id_seeds():
    d = reset("id_number")
    for name, value in [("valid", WANG), ("valid_x", id_number("11010519491231002")),
                        ("lower_x", "11010519491231002x"), ("spaces", " " + LI + " "), ("legacy15", "110105491231002"),
                        ("bad_check", WANG[:17] + "0"), ("feb30", id_number("11010819500230001")),
                        ("future", id_number("11010830000101001")), ("zero_region", id_number("01010819500101001")),
                        ("fullwidth", "１１０１０８１９５００１０１００１８"), ("empty", "")]:
        write(d, name, value)


csv_seeds()
xlsx_seeds()
id_seeds()
print("csv_import, xlsx_import, id_number seeds written")
