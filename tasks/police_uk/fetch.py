"""The data.police.uk client: the list of published months and the monthly archives.

Downloads go through the shared HTTP client (tasks/http_fetch.py): streamed to a `.part`,
resumed after a dropped connection, checked (length, zip directory), then renamed, so a half
archive never looks whole; an archive already on disk and unchanged costs a 304.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from tasks.errors import SourceError
from tasks.http_fetch import FetchManifest, HttpFetcher
from tasks.periods import parse_month


class PoliceUkClient:
    """data.police.uk over HTTP with a timeout and bounded retries with backoff (the only retries)."""

    def __init__(self, base_url: str = "https://data.police.uk", timeout: float = 60.0,
                 retries: int = 3, backoff: float = 1.0, manifest: Path | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = HttpFetcher(timeout, retries, backoff, FetchManifest(manifest) if manifest else None)

    def archive_url(self, month: str) -> str:
        """The archive of the 36 months up to `month` ('YYYY-MM'), or of the newest ('latest')."""
        name = "latest" if month == "latest" else f"{parse_month(month):%Y-%m}"
        return f"{self.base_url}/data/archive/{name}.zip"

    def available_months(self) -> list[dict]:
        """The API's list of months with street data and the forces that published them."""
        return self.http.get_json(self.base_url + "/api/crimes-street-dates")

    def download_archive(self, month: str, dest_dir: Path) -> Path:
        """Download a month's archive into dest_dir; returns the complete, readable zip."""
        url = self.archive_url(month)
        return self.http.download(url, Path(dest_dir) / url.rsplit("/", 1)[-1], check=require_zip).path


def require_zip(path: Path) -> None:
    """Refuse a body that is not a zip archive (a maintenance page served with 200, say)."""
    if not zipfile.is_zipfile(path):
        raise SourceError(f"{path.name.removesuffix('.part')} did not return a readable zip archive")
