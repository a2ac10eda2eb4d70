"""Files of every type the service reads, made here with the libraries it reads them with,
and the hostile ones it must refuse (small: a bomb is its declared sizes, not its bytes)."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pypdf
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_file(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text per page (pypdf has no text-drawing API, so
    each page gets its content stream and font by hand)."""
    writer = pypdf.PdfWriter()
    for text in pages:
        page = writer.add_blank_page(612, 792)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_member(office: bytes, name: str, data: bytes) -> bytes:
    """The Office file with one more (or a replaced) zip member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(office)) as src, zipfile.ZipFile(out, "w") as dst:
        for entry in src.infolist():
            if entry.filename != name:
                dst.writestr(entry, src.read(entry))
        dst.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb(office: bytes, unpacked_mib: int = 64) -> bytes:
    """An Office file with a member that unpacks to `unpacked_mib` MiB of zeros (about a
    thousand times its packed size)."""
    return with_member(office, "xl/media/zeros.bin", bytes(unpacked_mib * 2**20))


def billion_laughs(office: bytes, member: str) -> bytes:
    """An Office file whose XML member declares nested entities (small when packed, a
    billion "lol"s if an XML parser expanded them)."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    xml = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [' + "".join(entities) + "]>\n"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
        "</worksheet>"
    )
    return with_member(office, member, xml.encode())
