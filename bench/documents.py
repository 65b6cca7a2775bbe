"""What the documents cost: one PDF in the company layout (WeasyPrint, Noto CJK) for a form of 10,
40 and 160 Chinese rows with a photo and a signature, and a site photo from a phone camera
(4000×3000 JPEG) downscaled to the configured size and thumbnailed — each measured in this run.

    python bench/documents.py [--rows 10 40 160] [--repeat 3] [--max-px 2000]
"""
from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflows.documents import pdf, photos  # noqa: E402

CSS = (ROOT / "web" / "static" / "css" / "document.css").read_text(encoding="utf-8")


def camera_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A noisy photo (compresses like a real one), with a capture time in its EXIF data."""
    image = Image.effect_noise((width, height), 60).convert("RGB")
    exif = Image.Exif()
    exif.get_ifd(photos.EXIF_IFD)[photos.DATETIME_ORIGINAL] = "2026:03:09 14:25:31"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def document_html(rows: int, photo: bytes) -> str:
    src = "data:image/jpeg;base64," + base64.b64encode(photo).decode()
    body = "".join(f"<tr><td>{i}</td><td>过滤压力 第{i}次读数</td><td>0.6 MPa</td><td>合格，运行平稳</td></tr>"
                   for i in range(rows))
    return (f'<html><body class="document-page"><article class="document"><h1>设备安装调试资料数据采集清单</h1>'
            f'<table class="doc-rows"><tbody>{body}</tbody></table><div class="doc-photos"><figure>'
            f'<img src="{src}"></figure></div><div class="doc-signature"><img src="{src}"></div>'
            f"</article></body></html>")


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10, 40, 160])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-px", type=int, default=2000)
    args = parser.parse_args()
    original = camera_jpeg()
    ms, scaled = timed(lambda: photos.downscale(original, args.max_px), args.repeat)
    size = Image.open(io.BytesIO(scaled)).size
    print(f"downscale 4000x3000 JPEG {len(original) / 1024:.0f} KB -> {size[0]}x{size[1]} "
          f"{len(scaled) / 1024:.0f} KB ({len(scaled) / len(original):.0%}) in {ms:.0f} ms; "
          f"capture time kept: {photos.captured_at(scaled)}")
    ms, small = timed(lambda: photos.thumbnail(scaled), args.repeat)
    print(f"thumbnail {len(small) / 1024:.1f} KB in {ms:.0f} ms")
    photo = photos.thumbnail(scaled)
    for rows in args.rows:
        html = document_html(rows, photo)
        ms, body = timed(lambda html=html: pdf.render_pdf(html, CSS), args.repeat)
        print(f"PDF with {rows:>3} rows: {ms:.0f} ms, {len(body) / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
