"""Each page of the pack printed to PDF by headless Chromium, so partners can circulate it: the page's
print stylesheet applies (no navigation, a page break before each section, A4)."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_SECONDS = 120  # one page; the county page's maps and tables print in a few seconds


class NoBrowser(RuntimeError):
    """No Chromium to print the PDFs with."""


def find_browser(configured: str | None = None) -> str:
    """The browser to print with: the setting, else the first of BROWSERS on PATH."""
    for candidate in ([configured] if configured else BROWSERS):
        found = shutil.which(candidate)
        if found:
            return found
    raise NoBrowser(f"no Chromium to print the pack's PDFs ({configured or ', '.join(BROWSERS)} not found): "
                    "install it (make chromium, or apt-get install chromium) or set CSP_CHROMIUM to its path")


def print_page(browser: str, page: Path, pdf: Path) -> Path:
    """One HTML page printed to PDF (no network: the pages ask for nothing outside themselves)."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-extensions", "--no-first-run",
         "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw", f"--print-to-pdf={pdf}",
         page.resolve().as_uri()], capture_output=True, text=True, timeout=PRINT_SECONDS)
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise RuntimeError(f"Chromium could not print {page.name} to PDF (exit {done.returncode}): {done.stderr[-800:]}")
    return pdf


def print_pages(pages: list[Path], folder: Path, browser: str, workers: int = 2) -> list[Path]:
    """Every page printed to folder/<page>.pdf, two at a time (a browser per page)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda page: print_page(browser, page, folder / f"{page.stem}.pdf"), pages))
