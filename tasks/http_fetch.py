"""The one HTTP client for public sources: pages and files, with the project's only retry layer.

A download is conditional (the ETag and Last-Modified of the copy already on disk go with the
request, so an unchanged file costs a 304), resumable (a `.part` left by a dropped connection is
continued with a Range request; a server that ignores Range answers 200 and the file starts
again), checked (length, then the caller's own check) and only then renamed into place.

Retries live here and nowhere else: a Prefect task that calls this client must not retry on top,
or every failure multiplies (a police.uk archive used to be downloaded up to 8 times). A URL
that keeps failing is asked exactly `retries + 1` times, then a SourceError names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx

from tasks.errors import SourceError

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
CHUNK = 1 << 20
USER_AGENT = "csp-pipeline (Community Safety Partnership data pipeline)"


@dataclass(frozen=True)
class Fetched:
    """A file fetched from a URL: where it is, its content hash, and whether it differs from the last fetch."""

    url: str
    path: Path
    sha256: str
    size: int
    changed: bool  # False on a 304, or a 200 whose bytes hash to the last fetch's


class FetchManifest:
    """Per URL, what the last complete fetch got: validators (ETag, Last-Modified), file, size and hash."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self) -> dict[str, dict]:
        """Every URL's entry."""
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def get(self, url: str) -> dict:
        """The URL's entry, empty when it was never fetched."""
        return self.read().get(url, {})

    def record(self, url: str, **entry) -> None:
        """Replace the URL's entry; written to a temp name then renamed, so a crash never leaves half a manifest."""
        entries = self.read()
        entries[url] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(entries, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


    def update(self, url: str, **fields) -> None:
        """Add fields to the URL's entry."""
        self.record(url, **(self.get(url) | fields))


class HttpFetcher:
    """GET pages and files with a timeout and bounded retries with backoff (the only retry layer)."""

    def __init__(self, timeout: float = 60.0, retries: int = 3, backoff: float = 1.0,
                 manifest: FetchManifest | None = None):
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.manifest = manifest
        self._parts: dict[str, dict] = {}  # url -> validators of the bytes in its .part

    def get_page(self, url: str) -> tuple[str, str]:
        """A page's text and its content type (HTML, or JSON from an API)."""
        def call(client: httpx.Client) -> tuple[str, str]:
            response = _transport(lambda: client.get(url), url)
            check_status(response, url)
            return response.text, response.headers.get("content-type", "")

        return self.with_retries(call, url)

    def get_json(self, url: str):
        """A JSON document."""
        text, _ = self.get_page(url)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise SourceError(f"{url} did not return JSON: {exc}") from exc

    def download(self, url: str, dest: Path, check: Callable[[Path], None] | None = None) -> Fetched:
        """Fetch url into dest (a file path), conditionally and resuming a partial copy.

        `check` raises SourceError when the complete bytes are not what the source publishes (a
        maintenance page instead of a zip, say); the partial copy is then discarded.
        """
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        return self.with_retries(lambda client: self._fetch_once(client, url, dest, check), url)

    def with_retries(self, call, url: str):
        """call(client) until it succeeds or retries run out; a SourceError (404, bad body) is never retried."""
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                with httpx.Client(timeout=self.timeout, follow_redirects=True,
                                  headers={"User-Agent": USER_AGENT}) as client:
                    return call(client)
            except Retryable as exc:
                last = exc
                if attempt < self.retries:
                    time.sleep(self.backoff * 2**attempt)
        raise SourceError(f"{url}: gave up after {self.retries + 1} attempts: {last}")

    def _fetch_once(self, client: httpx.Client, url: str, dest: Path, check) -> Fetched:
        known = self._last_fetch(url) if dest.exists() else {}
        part = dest.with_name(dest.name + ".part")
        offset = part.stat().st_size if part.exists() else 0
        headers = conditional_headers(known) | resume_headers(offset, self._part_validators(url))
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304 and known:
                    return Fetched(url, dest, known["sha256"], known["size"], changed=False)
                if response.status_code == 416:  # the .part is not a prefix of what is published now
                    part.unlink(missing_ok=True)
                    raise Retryable(f"{url}: the server refused to resume (HTTP 416); starting again")
                check_status(response, url)
                if response.status_code not in (200, 206):  # a 304 to a request that had no validators, say
                    raise SourceError(f"{url}: unexpected HTTP {response.status_code}")
                try:
                    start, total = body_span(response, offset)
                except Retryable:  # a range that does not continue the .part: start again
                    part.unlink(missing_ok=True)
                    raise
                if start == 0:
                    self._remember_part(url, validators_of(response))
                write_body(response, part, start)
        except httpx.TransportError as exc:  # a cut connection keeps the .part: the next attempt resumes it
            raise Retryable(f"{url}: {exc!r}") from exc
        got = part.stat().st_size
        if total is not None and got < total:
            raise Retryable(f"{url}: got {got} of {total} bytes")
        if total is not None and got > total:
            part.unlink()
            raise Retryable(f"{url}: got {got} bytes, more than the {total} announced")
        return self._complete(url, part, dest, known, check)

    def _complete(self, url: str, part: Path, dest: Path, known: dict, check) -> Fetched:
        """Check the whole body, hash it, rename it into place and remember its validators."""
        if check is not None:
            try:
                check(part)
            except SourceError:
                part.unlink(missing_ok=True)
                raise
        sha, size = file_sha256(part), part.stat().st_size
        validators = self._part_validators(url)
        os.replace(part, dest)
        self._parts.pop(url, None)
        if self.manifest:
            self.manifest.record(url, file=dest.name, sha256=sha, size=size,
                                 fetched_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                 **validators)
        return Fetched(url, dest, sha, size, changed=sha != known.get("sha256"))

    def _last_fetch(self, url: str) -> dict:
        entry = self.manifest.get(url) if self.manifest else {}
        return entry if entry.get("sha256") else {}

    def _remember_part(self, url: str, validators: dict) -> None:
        # the validators of the bytes in the .part (kept in the manifest, so a later run may resume
        # too): a resume is only safe against the same version of the file
        self._parts[url] = validators
        if self.manifest:
            self.manifest.update(url, part=validators)

    def _part_validators(self, url: str) -> dict:
        if url not in self._parts and self.manifest:
            return self.manifest.get(url).get("part", {})
        return self._parts.get(url, {})


class Retryable(Exception):
    """A failure worth another attempt: timeout, dropped connection, 5xx, short body."""


def _transport(call, url: str):
    """call(), with a network failure (timeout, refused, reset) turned into a Retryable naming the URL."""
    try:
        return call()
    except httpx.TransportError as exc:
        raise Retryable(f"{url}: {exc!r}") from exc


def check_status(response: httpx.Response, url: str) -> None:
    """Raise Retryable on a status worth another try, SourceError naming the URL on any other failure."""
    if response.status_code in RETRYABLE_STATUS:
        raise Retryable(f"{url}: HTTP {response.status_code}")
    if response.status_code == 404:
        raise SourceError(f"{url}: not published (HTTP 404)")
    if response.status_code >= 400:
        raise SourceError(f"{url}: HTTP {response.status_code}")


def conditional_headers(known: dict) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last complete fetch."""
    headers = {}
    if known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    return headers


def resume_headers(offset: int, validators: dict) -> dict[str, str]:
    """Range from the .part's end; If-Range so a file republished meanwhile comes back whole (200)."""
    if not offset:
        return {}
    headers = {"Range": f"bytes={offset}-"}
    validator = validators.get("etag") or validators.get("last_modified")
    if validator:
        headers["If-Range"] = validator
    return headers


def validators_of(response: httpx.Response) -> dict[str, str]:
    """The response's ETag and Last-Modified, when it has them."""
    out = {}
    if response.headers.get("etag"):
        out["etag"] = response.headers["etag"]
    if response.headers.get("last-modified"):
        out["last_modified"] = response.headers["last-modified"]
    return out


CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def body_span(response: httpx.Response, offset: int) -> tuple[int, int | None]:
    """(where the body's bytes go in the file, the file's full length if known).

    206 continues the .part at its end; 200 (a server that ignores Range, or a file changed since
    the .part began) starts again at 0.
    """
    if response.status_code == 206:
        match = CONTENT_RANGE.fullmatch(response.headers.get("content-range", ""))
        if not match or int(match.group(1)) != offset:
            raise Retryable(f"{response.url}: a partial answer that does not continue the {offset} bytes held")
        return offset, None if match.group(3) == "*" else int(match.group(3))
    length = response.headers.get("content-length")
    return 0, int(length) if length is not None else None


def write_body(response: httpx.Response, part: Path, start: int) -> None:
    """Stream the body into the .part at `start` (0 truncates it)."""
    with open(part, "r+b" if start and part.exists() else "wb") as out:
        out.seek(start)
        out.truncate()
        for chunk in response.iter_bytes():  # as received: a cut keeps every byte that arrived
            out.write(chunk)


def file_sha256(path: Path) -> str:
    """The file's sha256, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
