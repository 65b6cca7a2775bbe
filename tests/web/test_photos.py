"""Photos: uploads downscaled to the configured size with their capture time kept; thumbnails and a
gallery on the task and case pages, shown to those who may read the case only."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from engine import attachments, commands, queries
from tests.workflows.collaboration.conftest import give_names
from tests.workflows.flowkit import complete
from workflows.documents import photos

TAKEN = "2026:03:09 14:25:31"


def camera_photo(width=4000, height=3000) -> bytes:
    image = Image.new("RGB", (width, height), (120, 140, 90))
    exif = Image.Exif()
    exif[306] = TAKEN
    exif.get_ifd(photos.EXIF_IFD)[photos.DATETIME_ORIGINAL] = TAKEN
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def upload(client_api, content: bytes, name="site.jpg"):
    return client_api.post("/files", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_a_large_photo_is_downscaled_and_keeps_its_capture_time(api, app, monkeypatch, users):
    monkeypatch.setitem(app.config, "IMAGE_MAX_PX", 1600)
    original = camera_photo()
    response = upload(api("sales1"), original)
    assert response.status_code == 201
    stored = attachments.get(response.get_json()["id"])
    image = Image.open(io.BytesIO(stored.content))
    assert image.size == (1600, 1200) and image.format == "JPEG"
    assert stored.size < len(original)
    assert photos.captured_at(stored.content) == dt.datetime(2026, 3, 9, 14, 25, 31)


def test_small_photos_and_pdfs_are_kept_as_they_came(api, app, monkeypatch, users):
    monkeypatch.setitem(app.config, "IMAGE_MAX_PX", 1600)
    small = camera_photo(800, 600)
    stored = attachments.get(upload(api("sales1"), small).get_json()["id"])
    assert stored.content == small
    pdf = b"%PDF-1.4\n%test\n"
    assert attachments.get(upload(api("sales1"), pdf, "letter.pdf").get_json()["id"]).content == pdf


def test_photos_show_as_thumbnails_and_a_gallery_to_those_who_read_the_case(as_user, api, flows, actors):
    give_names()
    photo_id = upload(api("sales1"), camera_photo(), "spindle.jpg").get_json()["id"]
    case = commands.start_instance(process_id="fault_handling", data={
        "equipment_serial": "EQ-SW-001", "symptom": "主轴异响", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious", "photos": [photo_id]}, actor=actors["sales1"])
    complete(case, "desk_analysis", actors["desk1"], suggested_mode="onsite")
    manager = as_user("manager1")
    case_page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
    thumb = f"/files/{photo_id}/thumbnail"
    assert 'data-testid="gallery"' in case_page and thumb in case_page
    [vp_task] = queries.tasks_of(case.id, "ready")
    task_page = as_user("salesvp1").get(f"/tasks/{vp_task.id}").get_data(as_text=True)
    assert thumb in task_page and "spindle.jpg" in task_page and 'data-testid="task-gallery"' in task_page
    small = manager.get(thumb)
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(small.data)).size) <= photos.THUMBNAIL_PX
    assert as_user("eng_n1").get(thumb).status_code == 403  # another region's engineer reads nothing of it
    letter = upload(api("sales1"), b"%PDF-1.4\n%x\n", "letter.pdf").get_json()["id"]
    assert as_user("sales1").get(f"/files/{letter}/thumbnail").status_code == 404


def huge_png() -> bytes:
    """A small file that would decode to 60 megapixels."""
    buffer = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("content", [b"\xff\xd8\xff\xe0broken", b"GIF89a" + b"\x00" * 20, huge_png()])
def test_a_damaged_or_oversized_image_is_stored_unchanged(content):
    assert photos.downscale(content, 100) == content and photos.thumbnail(content) is None
