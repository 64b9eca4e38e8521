"""Reports as they print: PDFs made by LibreOffice (the workbook) and Chromium (the page), read back with poppler's
pdftotext and pdfinfo; each check skips where those programs or a Chinese font are missing (.ci/run installs them)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest


def needs(*programs: str) -> None:
    """Skip unless the programs are on PATH and a font has Chinese glyphs (else the PDF's Chinese is boxes)."""
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        pytest.skip("no font with Chinese glyphs (fonts-noto-cjk): the PDF's text cannot be read back")


def pages_of(pdf: Path, layout: bool = False) -> list[str]:
    """The text of each page of a PDF, its spaces and line breaks taken out (a table's cells wrap anywhere); with
    ``layout``, a line for each printed line (a table's row), its spaces taken out."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    texts = []
    for page in range(1, count + 1):
        options = ["-layout"] if layout else []
        text = subprocess.run(
            ["pdftotext", *options, "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        texts.append(
            "\n".join("".join(line.split()) for line in text.splitlines()) if layout else "".join(text.split())
        )
    return texts


def page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M)
    assert found is not None, info
    return float(found.group(1)), float(found.group(2))


def libreoffice_pdf(workbook: Path, folder: Path) -> Path:
    """The workbook printed to PDF by LibreOffice, as Calc prints it (its print settings, every sheet)."""
    soffice = shutil.which("soffice")
    assert soffice is not None
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "pdf"),
            str(workbook),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pdf = folder / "pdf" / (workbook.stem + ".pdf")
    assert pdf.is_file()
    return pdf


def chromium_pdf(chromium: str, page: Path, folder: Path) -> Path:
    """The page printed to PDF by headless Chromium, as its print styles lay it out."""
    pdf = folder / (page.stem + ".pdf")
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={folder / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and pdf.is_file(), done.stderr[-2000:]
    return pdf
