"""The demo's documents are real files of the kinds people can upload (a PNG photo, a PDF letter),
linked to the demo cases and downloadable from them."""
from __future__ import annotations

import re
import struct
import zlib

import sqlalchemy as sa

from engine import attachments
from engine.db import db
from engine.models import Attachment
from web.cli import main as cli
from workflows.demo.files import QUALITY_LETTER, SITE_PHOTO


def _png_chunks(data: bytes):
    position = 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        crc = struct.unpack(">I", data[position + 8 + length:position + 12 + length])[0]
        yield kind, body, crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        position += 12 + length


def test_the_photo_is_a_well_formed_png():
    chunks = list(_png_chunks(SITE_PHOTO))
    assert [kind for kind, _, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"] and all(ok for _, _, ok in chunks)
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    pixels = zlib.decompress(chunks[1][1])
    assert (depth, colour) == (8, 2) and len(pixels) == height * (1 + 3 * width)
    assert len(set(pixels)) > 3  # a picture, not a blank
    assert attachments.sniff(SITE_PHOTO) == "image/png" and len(SITE_PHOTO) < 4096


def test_the_letter_is_a_well_formed_pdf():
    text = QUALITY_LETTER.decode("latin-1")
    xref = int(re.search(r"startxref\n(\d+)\n%%EOF", text).group(1))
    assert text[xref:].startswith("xref")
    offsets = [int(line[:10]) for line in text[xref:].splitlines()[3:8]]
    assert [text[offset:].split("\n", 1)[0] for offset in offsets] == [f"{n} 0 obj" for n in range(1, 6)]
    assert "(The main hydraulic cylinder of our filter press is leaking oil) Tj" in text
    assert attachments.sniff(QUALITY_LETTER) == "application/pdf"


def test_demo_cases_carry_the_documents_and_staff_can_download_them(app, clock):
    result = app.test_cli_runner().invoke(cli, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    rows = {row.filename: row for row in db.session.execute(sa.select(Attachment)).scalars()}
    assert {name: row.content_type for name, row in rows.items()} == {
        "质量问题来函.pdf": "application/pdf", "现场照片.png": "image/png"}
    [case_id, *_] = attachments.cases_naming(rows["现场照片.png"].id)
    client = app.test_client()
    token = re.search(rb'name="csrf_token" value="([^"]+)"', client.get("/login").data).group(1).decode()
    login = {"username": "manager1", "password": "demo", "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    for row in rows.values():
        response = client.get(f"/files/{row.id}")
        assert response.status_code == 200 and response.mimetype == row.content_type
    assert rows["现场照片.png"].id in client.get(f"/cases/{case_id}").get_data(as_text=True)
