"""Compare PDF text libraries on the five seeds typeset as PDF (tests/docmaker.py).

For each library: seconds to extract all five, and CJK fidelity against the .txt — the share of
the source's non-space characters recovered in order (difflib matching blocks over the text
without whitespace); the lines it puts out; and reading order, as the same fidelity on the seeds
typeset in two columns (a library that reads across the columns scores low). Run:
`python benchmarks/pdf_libraries.py` (needs the dev extra and pdfplumber, pymupdf installed).
"""

from __future__ import annotations

import difflib
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from docmaker import make_pdf  # noqa: E402


def pdfium(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in pdf)
    finally:
        pdf.close()


def plumber(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def miner(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def mupdf(path: Path) -> str:
    import pymupdf

    with pymupdf.open(str(path)) as doc:
        return "\n".join(page.get_text() for page in doc)


LIBRARIES: dict[str, Callable[[Path], str]] = {
    "pypdfium2": pdfium,
    "pdfplumber": plumber,
    "pdfminer.six": miner,
    "pymupdf": mupdf,
}


def fidelity(source: str, extracted: str) -> float:
    a = re.sub(r"\s+", "", source)
    b = re.sub(r"\s+", "", extracted)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(a)


def main() -> None:
    seeds = sorted((ROOT / "tests" / "data" / "reports").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = [make_pdf(s.read_text("utf-8"), Path(tmp) / f"{s.stem}.pdf") for s in seeds]
        two = [make_pdf(s.read_text("utf-8"), Path(tmp) / f"{s.stem}.2.pdf", columns=2) for s in seeds]
        print("| library | seconds (5 PDFs) | CJK fidelity min / mean | lines out | 2 columns: min |")
        print("| --- | --- | --- | --- | --- |")
        for name, extract in LIBRARIES.items():
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                texts = [extract(p) for p in pdfs]
                best = min(best, time.perf_counter() - start)
            scores = [fidelity(s.read_text("utf-8"), t) for s, t in zip(seeds, texts, strict=True)]
            lines = sum(len(t.splitlines()) for t in texts)
            order = min(fidelity(s.read_text("utf-8"), extract(p)) for s, p in zip(seeds, two, strict=True))
            mean = sum(scores) / len(scores)
            print(f"| {name} | {best:.3f} | {min(scores):.4f} / {mean:.4f} | {lines} | {order:.4f} |")


if __name__ == "__main__":
    main()
