"""Public releases fetched, not saved by hand: the MoJ, Home Office and ONS publications.

Each publication is a page that links its files: a gov.uk collection or publication (as the
content API's JSON, https://www.gov.uk/api/content/<path>, or as HTML), or an ONS dataset page.
A publication that lists releases (the MoJ collection) is followed to its newest release first.
The release's files go into one folder per source through the shared HTTP client (conditional,
resumable, one retry layer), and the existing feed reads that folder as its `source`. A release
whose every file is already in the landing manifest (same sha256) is "nothing new".
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from tasks.errors import SourceError

if TYPE_CHECKING:  # kept out of the import, so the command line's --help stays fast
    from tasks.http_fetch import Fetched, HttpFetcher
    from tasks.settings import Settings


@dataclass(frozen=True)
class Publication:
    """Where a public source is published and which of its links are the files the feed reads."""

    name: str  # the source's folder under downloads/ and fetch/ (may be nested: reference/ons_lookups)
    landing: str | None  # the page (HTML or gov.uk content API JSON) that links the release or its files
    files: str = ""  # regex matched against each link's URL (unquoted) and text: the files to fetch
    release: str | None = None  # regex for the newest release's own page, when the landing page lists releases
    first_only: bool = False  # the page lists every edition, newest first (ONS): fetch the first match only
    urls: tuple[str, ...] = ()  # files fetched as they are, with no page (ONS lookups on the geography portal)


@dataclass(frozen=True)
class Link:
    """A link on a page: where it goes, what it says, and when it was last updated (JSON only)."""

    url: str
    text: str = ""
    updated: str = ""


@dataclass
class ReleaseFetch:
    """A release fetched: the page it came from, its files, and whether any of them is new."""

    publication: str
    page: str
    folder: Path
    files: list[Fetched] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # names of the files not landed before

    @property
    def nothing_new(self) -> bool:
        """True when every file of the release was landed before, byte for byte."""
        return not self.new

    @property
    def source(self) -> str:
        """What the feed reads: the release's one zip when that is all it is, else the folder."""
        if len(self.files) == 1 and self.files[0].path.suffix.lower() == ".zip":
            return str(self.files[0].path)
        return str(self.folder)

    @property
    def unopened(self) -> list[str]:
        """Zips the feed will not open: a feed reads a folder's CSV and xlsx files, a zip only when it is the source."""
        if self.source != str(self.folder):
            return []
        return [f.path.name for f in self.files if f.path.suffix.lower() == ".zip"]

    def describe(self) -> str:
        """One line for the log and the run's artifact."""
        names = ", ".join(f.path.name for f in self.files)
        if self.nothing_new:
            return f"{self.publication}: nothing new at {self.page} ({names} already loaded)"
        unopened = f" (not opened by the feed, beside other files: {', '.join(self.unopened)})" if self.unopened else ""
        return f"{self.publication}: new at {self.page}: {', '.join(self.new)}{unopened}"


def publications(settings: Settings) -> dict[str, Publication]:
    """The public sources fetched, their pages built on the configured base URLs."""
    govuk, ons = settings.govuk_base_url.rstrip("/"), settings.ons_base_url.rstrip("/")
    return {
        "moj_reoffending": Publication(
            "moj_reoffending", f"{govuk}/api/content/government/collections/proven-reoffending-statistics",
            settings.moj_reoffending_files, release=r"/government/statistics/proven-reoffending-statistics-"),
        "ho_csp": Publication(
            "ho_csp", f"{govuk}/api/content/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables",
            settings.ho_csp_files),
        "ons_population": Publication(
            "reference/ons_population", f"{ons}/peoplepopulationandcommunity/populationandmigration/populationestimates/"
            "datasets/lowersuperoutputareamidyearpopulationestimates", settings.ons_population_files, first_only=True),
        "ons_lookups": Publication("reference/ons_lookups", None, urls=tuple(settings.ons_lookup_urls)),
    }


# what each feed's fetch downloads; the feed reads the folder they share (any depth)
FEED_PUBLICATIONS = {"moj_reoffending": ["moj_reoffending"], "ho_csp": ["ho_csp"],
                     "reference": ["ons_lookups", "ons_population"]}


class _Anchors(HTMLParser):
    """Every <a href> of an HTML page with its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append((href, []))

    def handle_data(self, data):
        if self.links:
            self.links[-1][1].append(data)


def html_links(html: str, page_url: str) -> list[Link]:
    """The page's links, absolute, with their text."""
    parser = _Anchors()
    parser.feed(html)
    return [Link(urljoin(page_url, href), " ".join(" ".join(text).split())) for href, text in parser.links]


def json_links(document, page_url: str) -> list[Link]:
    """Links in a gov.uk content API document: linked documents (their API URL, so the next page is
    JSON too), attachments (`url`, `title`, `filename`) and links in HTML bodies, in document order."""
    out: list[Link] = []

    def walk(node):
        if isinstance(node, dict):
            url = node.get("api_url") or node.get("url") or node.get("web_url") or node.get("base_path")
            if isinstance(url, str) and url:
                text = " ".join(str(node[k]) for k in ("title", "filename") if node.get(k))
                out.append(Link(urljoin(page_url, url), text, str(node.get("public_updated_at") or "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and "<a " in node:
            out.extend(html_links(node, page_url))

    walk(document)
    return out


def page_links(text: str, content_type: str, page_url: str) -> list[Link]:
    """The links of a page, whether gov.uk content API JSON or HTML."""
    if "json" in content_type or text.lstrip().startswith(("{", "[")):
        try:
            return json_links(json.loads(text), page_url)
        except ValueError as exc:
            raise SourceError(f"{page_url} did not return readable JSON: {exc}") from exc
    return html_links(text, page_url)


def matching(links: list[Link], pattern: str) -> list[Link]:
    """Links whose URL or text matches, first occurrence of each URL kept."""
    regex = re.compile(pattern)
    seen, out = set(), []
    for link in links:
        if link.url not in seen and (regex.search(unquote(link.url)) or regex.search(link.text)):
            seen.add(link.url)
            out.append(link)
    return out


def newest(links: list[Link]) -> Link:
    """The most recently updated link when the page says when (JSON), else the first (gov.uk lists newest first)."""
    dated = [link for link in links if link.updated]
    return max(dated, key=lambda link: link.updated) if dated else links[0]


def file_name(url: str) -> str:
    """A safe local name for a file URL: its last path segment, or the `uri` of an ONS /file?uri=... link."""
    parts = urlsplit(url)
    path = parse_qs(parts.query).get("uri", [parts.path])[0]
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    if not name:
        raise SourceError(f"{url}: no file name in the link")
    return name


def release_files(http: HttpFetcher, publication: Publication) -> tuple[str, list[Link]]:
    """(the release's page, its file links), following the landing page to its newest release first."""
    if publication.landing is None:
        if not publication.urls:
            raise SourceError(f"{publication.name}: no URLs configured to fetch (set CSP_ONS_LOOKUP_URLS, a JSON list)")
        return "configured URLs", [Link(url) for url in publication.urls]
    page = publication.landing
    text, kind = http.get_page(page)
    if publication.release:
        releases = matching(page_links(text, kind, page), publication.release)
        if not releases:
            raise SourceError(f"{page}: no release link matching {publication.release!r}")
        page = newest(releases).url
        text, kind = http.get_page(page)
    links = page_links(text, kind, page)
    files = matching(links, publication.files)
    if not files:
        found = sorted({file_name(link.url) for link in links if "." in file_name(link.url)})[:20]
        raise SourceError(f"{page}: no file linked matching {publication.files!r} (files linked: {found})")
    return page, files[:1] if publication.first_only else files


def fetch_release(publication: Publication, settings: Settings, http: HttpFetcher | None = None) -> ReleaseFetch:
    """Download the newest release's files into downloads/<source>/ and say which are new.

    Files of earlier releases left in the folder are removed (landing keeps their copies), so the
    feed reads this release alone.
    """
    from tasks import landing
    from tasks.http_fetch import FetchManifest, HttpFetcher

    folder = settings.downloads / publication.name
    http = http or HttpFetcher(settings.http_timeout, settings.http_retries,
                               manifest=FetchManifest(settings.fetched / publication.name / "manifest.json"))
    page, links = release_files(http, publication)
    fetched = [http.download(link.url, folder / file_name(link.url)) for link in links]
    keep = {f.path.name for f in fetched}
    for old in folder.iterdir():
        if old.is_file() and old.name not in keep and not old.name.endswith(".part"):
            old.unlink()
    rows = landing.read_manifest(settings.landing)
    new = [f.path.name for f in fetched if not already_landed(f, rows)]
    return ReleaseFetch(publication.name, page, folder, fetched, new)


def already_landed(fetched: Fetched, rows: list[dict]) -> bool:
    """True when the landing manifest holds these bytes: the file's own hash, or for a zip (whose
    members are landed, not the zip) every member landed before under its name, unchanged."""
    hashes = {row["sha256"] for row in rows}
    if fetched.sha256 in hashes:
        return True
    if not zipfile.is_zipfile(fetched.path):
        return False
    names = {row["source_name"].split("!", 1)[1] for row in rows if "!" in row.get("source_name", "")}
    members = member_hashes(fetched.path)
    seen = [name for name in members if name in names]
    return bool(seen) and all(members[name] in hashes for name in seen)


def member_hashes(path: Path) -> dict[str, str]:
    """Each file member of a zip -> the sha256 of its bytes."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if member.is_dir():
                continue
            digest = hashlib.sha256()
            with archive.open(member) as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
            out[member.filename] = digest.hexdigest()
    return out


