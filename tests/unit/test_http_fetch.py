"""The shared HTTP client against a local server serving a real-shaped file (the MoJ overview CSV
from data/sample): conditional requests (304 by ETag and by Last-Modified), a cut connection
resumed with Range, a server that ignores Range (full download again), a 404 naming the URL, and
a persistently failing server asked exactly retries + 1 times."""

from __future__ import annotations

import json

import pytest

from tasks.errors import SourceError
from tasks.http_fetch import FetchManifest, HttpFetcher, file_sha256
from tests.conftest import SAMPLE
from tests.http_fixtures import FileServer, Served

OVERVIEW = (SAMPLE / "moj_reoffending" / "proven_re-offending_overview_apr18-mar19_GENERATED.csv").read_bytes()
PATH = "/media/abc/proven_re-offending_overview_apr18-mar19.csv"


@pytest.fixture
def server():
    s = FileServer()
    yield s
    s.close()


def fetcher(tmp_path, retries: int = 2) -> HttpFetcher:
    return HttpFetcher(timeout=5, retries=retries, backoff=0.01, manifest=FetchManifest(tmp_path / "manifest.json"))


def test_a_first_download_is_whole_and_remembered(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv")
    got = fetcher(tmp_path).download(server.url + PATH, tmp_path / "out" / "overview.csv")
    assert got.path.read_bytes() == OVERVIEW and got.changed
    assert got.sha256 == file_sha256(got.path) and got.size == len(OVERVIEW)
    entry = json.loads((tmp_path / "manifest.json").read_text())[server.url + PATH]
    assert entry["etag"] == server.files[PATH].etag and entry["sha256"] == got.sha256 and "last_modified" in entry
    assert not list((tmp_path / "out").glob("*.part"))


def test_an_unchanged_file_costs_a_304(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv")
    dest = tmp_path / "overview.csv"
    first = fetcher(tmp_path).download(server.url + PATH, dest)
    again = fetcher(tmp_path).download(server.url + PATH, dest)
    assert not again.changed and again.sha256 == first.sha256
    assert server.requests_for(PATH)[1]["If-None-Match"] == server.files[PATH].etag
    assert dest.read_bytes() == OVERVIEW


def test_if_modified_since_alone_gets_a_304(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv")
    dest = tmp_path / "overview.csv"
    fetcher(tmp_path).download(server.url + PATH, dest)
    manifest = FetchManifest(tmp_path / "manifest.json")
    entry = manifest.get(server.url + PATH)
    del entry["etag"]  # a server that sends only Last-Modified
    manifest.record(server.url + PATH, **entry)
    again = fetcher(tmp_path).download(server.url + PATH, dest)
    assert not again.changed
    assert "If-Modified-Since" in server.requests_for(PATH)[1] and "If-None-Match" not in server.requests_for(PATH)[1]


def test_a_republished_file_is_downloaded_again(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv")
    dest = tmp_path / "overview.csv"
    first = fetcher(tmp_path).download(server.url + PATH, dest)
    revised = OVERVIEW.replace(b"\n", b"\r\n")
    server.files[PATH] = Served(revised, "text/csv", modified=1_800_000_000.0)
    again = fetcher(tmp_path).download(server.url + PATH, dest)
    assert again.changed and again.sha256 != first.sha256 and dest.read_bytes() == revised


def test_the_same_bytes_served_whole_again_are_not_a_change(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv")
    dest = tmp_path / "overview.csv"
    fetcher(tmp_path).download(server.url + PATH, dest)
    # validators the server no longer recognises (a re-upload, a CDN change): it answers 200 with the same bytes
    manifest = FetchManifest(tmp_path / "manifest.json")
    manifest.record(server.url + PATH, **(manifest.get(server.url + PATH) | {"etag": '"other"', "last_modified": "x"}))
    again = fetcher(tmp_path).download(server.url + PATH, dest)
    assert len(server.requests_for(PATH)) == 2 and not again.changed


def test_a_cut_connection_is_resumed_with_range(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv", cut_after=[1000])
    got = fetcher(tmp_path).download(server.url + PATH, tmp_path / "overview.csv")
    assert got.path.read_bytes() == OVERVIEW
    second = server.requests_for(PATH)[1]
    assert second["Range"] == "bytes=1000-" and second["If-Range"] == server.files[PATH].etag


def test_a_cut_left_by_an_earlier_run_is_resumed_by_the_next(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv", cut_after=[700, 0, 0])
    with pytest.raises(SourceError, match="gave up after 3 attempts"):
        fetcher(tmp_path).download(server.url + PATH, tmp_path / "overview.csv")
    assert (tmp_path / "overview.csv.part").stat().st_size == 700
    got = fetcher(tmp_path).download(server.url + PATH, tmp_path / "overview.csv")  # a new run, a new client
    assert got.path.read_bytes() == OVERVIEW
    assert server.requests_for(PATH)[-1]["Range"] == "bytes=700-"


def test_a_server_that_ignores_range_gets_a_full_download(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv", ranges=False, cut_after=[1000])
    got = fetcher(tmp_path).download(server.url + PATH, tmp_path / "overview.csv")
    assert got.path.read_bytes() == OVERVIEW  # 200 instead of 206: the .part started again, not appended to
    assert server.requests_for(PATH)[1]["Range"] == "bytes=1000-"


def test_a_partial_answer_from_the_wrong_offset_restarts_the_download(server, tmp_path):
    server.files[PATH] = Served(OVERVIEW, "text/csv", cut_after=[1000], bad_ranges=1)
    got = fetcher(tmp_path).download(server.url + PATH, tmp_path / "overview.csv")
    assert got.path.read_bytes() == OVERVIEW  # never the first 1000 bytes twice
    assert [h.get("Range") for h in server.requests_for(PATH)] == [None, "bytes=1000-", None]


def test_a_missing_file_is_a_source_error_naming_the_url_without_retries(server, tmp_path):
    url = server.url + "/media/abc/gone.csv"
    with pytest.raises(SourceError, match=f"{url}: not published \\(HTTP 404\\)"):
        fetcher(tmp_path).download(url, tmp_path / "gone.csv")
    assert len(server.hits) == 1 and not (tmp_path / "gone.csv").exists()


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_a_failing_server_is_asked_exactly_retries_plus_one_times(server, tmp_path, retries):
    server.files[PATH] = Served(b"", status=503)
    with pytest.raises(SourceError, match=f"{server.url + PATH}: gave up after {retries + 1} attempts"):
        fetcher(tmp_path, retries=retries).download(server.url + PATH, tmp_path / "overview.csv")
    assert len(server.requests_for(PATH)) == retries + 1


def test_a_failed_check_discards_the_download(server, tmp_path):
    server.files[PATH] = Served(b"<html>maintenance</html>", "text/html")

    def require_csv(path):
        if not path.read_bytes().startswith(b"cohort,"):
            raise SourceError("not the overview CSV")

    with pytest.raises(SourceError, match="not the overview CSV"):
        fetcher(tmp_path).download(server.url + PATH, tmp_path / "overview.csv", check=require_csv)
    assert not list(tmp_path.glob("overview.csv*")) and len(server.hits) == 1
