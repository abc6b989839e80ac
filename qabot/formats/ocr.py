"""Scans — images, and PDFs without a text layer — through offline OCR (extra ``ocr``).

``rapidocr-onnxruntime`` runs PaddleOCR's Chinese detection and recognition models with
ONNX Runtime; the models are inside the wheel, so nothing is downloaded when it runs.
``pypdfium2`` renders each PDF page. The recognised boxes are put back into lines (top to
bottom, then left to right) and through the same layout step as a PDF's text layer, so page
numbers and repeated headers go and wrapped lines are joined; the text then meets the same
cleaning as any other document. Importing this module without the extra raises ImportError,
which the callers turn into a message naming the extra.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypdfium2
from rapidocr_onnxruntime import RapidOCR
from tqdm import tqdm

from qabot.errors import CorpusError
from qabot.formats import Extracted
from qabot.formats.layout import Line, paragraphs
from qabot.threads import configure

log = logging.getLogger(__name__)

RENDER_SCALE = 2.0  # 144 dpi: small Chinese print stays legible to the recogniser


@lru_cache(maxsize=1)
def _engine() -> RapidOCR:
    """The recogniser on qabot's thread count (:mod:`qabot.threads`): ONNX Runtime's own
    default spread a page over every core with spinning threads, which beside other work
    cost half as much CPU again for the same text."""
    count = configure()
    return RapidOCR(intra_op_num_threads=count, inter_op_num_threads=1)


def page_lines(image: np.ndarray) -> list[Line]:
    """The text of one page image as printed lines, indented ones marked."""
    boxes, _ = _engine()(image)
    if not boxes:
        return []
    items = sorted(
        (
            (min(p[1] for p in box), min(p[0] for p in box), max(p[1] for p in box), text)
            for box, text, _score in boxes
        ),
    )
    height = float(np.median([bottom - top for top, _, bottom, _ in items]))
    rows: list[list[tuple[float, float, float, str]]] = []
    for item in items:
        if rows and abs(item[0] - rows[-1][0][0]) < height / 2:
            rows[-1].append(item)
        else:
            rows.append([item])
    left = min(item[1] for item in items)
    return [
        Line(
            "".join(text for _, _, _, text in sorted(row, key=lambda i: i[1])),
            min(i[1] for i in row) > left + 1.5 * height,
        )
        for row in rows
    ]


def ocr_image(path: Path) -> Extracted:
    """One scanned page (PNG/JPEG)."""
    import cv2

    image = cv2.imread(str(path))
    if image is None:
        raise CorpusError(f"{path.name}: not an image OpenCV can read")
    return Extracted(paragraphs([page_lines(image)]), pages=1, notes=["OCR"])


def ocr_pdf(path: Path) -> Extracted:
    """Every page of a PDF without a text layer, with a per-page progress bar."""
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise CorpusError(f"{path.name}: damaged PDF ({exc})") from exc
    pages = []
    for number in tqdm(range(len(document)), desc=f"OCR {path.name}", unit="page", leave=False):
        bitmap = document[number].render(scale=RENDER_SCALE).to_numpy()
        pages.append(page_lines(bitmap[:, :, :3]))
    return Extracted(paragraphs(pages), pages=len(pages), notes=["OCR"])
