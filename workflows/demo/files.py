"""Small real documents for the demo cases, made in code: a PNG "site photo" and a one-page PDF
letter, of the kinds people upload (engine.attachments accepts images and PDF only)."""
from __future__ import annotations

import struct
import zlib

GREY, STEEL, OIL = (226, 230, 234), (58, 86, 112), (150, 110, 20)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def site_photo_png(width: int = 160, height: int = 100) -> bytes:
    """A filter press (a steel block on its frame) with an oil puddle under it."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(width):
            colour = GREY
            if (20 <= x < 140 and 25 <= y < 70) or ((30 <= x < 36 or 124 <= x < 130) and 70 <= y < 85):
                colour = STEEL
            elif ((x - 80) / 40) ** 2 + ((y - 88) / 6) ** 2 <= 1:
                colour = OIL
            row += bytes(colour)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


def letter_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF with the lines in Helvetica (ASCII text: the standard fonts have no Chinese)."""
    text = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*" for line in lines) + " ET"
    stream = text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


QUALITY_LETTER = letter_pdf([
    "To the after-sales service department",
    "",
    "The main hydraulic cylinder of our filter press is leaking oil",
    "and production has stopped. Please handle this as soon as possible.",
    "",
    "Equipment department",
])
SITE_PHOTO = site_photo_png()
