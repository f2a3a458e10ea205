"""A real HTTP client for data.police.uk: the list of published months and the monthly archives.

Archives are streamed to disk under a temp name, checked (length, zip directory), then renamed,
so a dropped connection never leaves a half archive that looks whole.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import httpx

from tasks.errors import SourceError
from tasks.periods import parse_month

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class PoliceUkClient:
    """data.police.uk over HTTP with a timeout and bounded retries with backoff."""

    def __init__(self, base_url: str = "https://data.police.uk", timeout: float = 60.0,
                 retries: int = 3, backoff: float = 1.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def archive_url(self, month: str) -> str:
        """The archive of the 36 months up to `month` ('YYYY-MM'), or of the newest ('latest')."""
        name = "latest" if month == "latest" else f"{parse_month(month):%Y-%m}"
        return f"{self.base_url}/data/archive/{name}.zip"

    def available_months(self) -> list[dict]:
        """The API's list of months with street data and the forces that published them."""
        return self._with_retries(lambda client: self._get_json(client, "/api/crimes-street-dates"))

    def download_archive(self, month: str, dest_dir: Path) -> Path:
        """Download a month's archive into dest_dir; returns the complete, readable zip."""
        url = self.archive_url(month)
        dest_dir = Path(dest_dir)
        dest_dir.mkdir(parents=True, exist_ok=True)
        final = dest_dir / url.rsplit("/", 1)[-1]
        return self._with_retries(lambda client: self._stream_to(client, url, final))

    def _with_retries(self, call):
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                with httpx.Client(timeout=self.timeout, follow_redirects=True) as client:
                    return call(client)
            except _Retryable as exc:
                last = exc
                if attempt < self.retries:
                    time.sleep(self.backoff * 2**attempt)
        raise SourceError(f"gave up after {self.retries + 1} attempts: {last}")

    def _get_json(self, client: httpx.Client, path: str):
        try:
            response = client.get(self.base_url + path)
        except httpx.TransportError as exc:
            raise _Retryable(f"{path}: {exc!r}") from exc
        _check_status(response, path)
        return response.json()

    def _stream_to(self, client: httpx.Client, url: str, final: Path) -> Path:
        tmp = final.with_name(final.name + ".part")
        try:
            with client.stream("GET", url) as response:
                _check_status(response, url)
                expected = response.headers.get("content-length")
                written = 0
                with open(tmp, "wb") as out:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
                        written += len(chunk)
            if expected is not None and written != int(expected):
                raise _Retryable(f"{url}: got {written} of {expected} bytes")
            if not zipfile.is_zipfile(tmp):
                raise SourceError(f"{url} did not return a readable zip archive")
            os.replace(tmp, final)
            return final
        except httpx.TransportError as exc:
            raise _Retryable(f"{url}: {exc!r}") from exc
        finally:
            tmp.unlink(missing_ok=True)


class _Retryable(Exception):
    """A failure worth another attempt: timeout, dropped connection, 5xx, short body."""


def _check_status(response: httpx.Response, what: str) -> None:
    if response.status_code in RETRYABLE_STATUS:
        raise _Retryable(f"{what}: HTTP {response.status_code}")
    if response.status_code == 404:
        raise SourceError(f"{what}: not published (HTTP 404)")
    if response.status_code >= 400:
        raise SourceError(f"{what}: HTTP {response.status_code}")
