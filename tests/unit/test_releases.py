"""Public releases fetched from local stand-ins of gov.uk and ONS pages: finding the newest release
and its files in gov.uk content API JSON and in HTML (the fixtures below mimic gov.uk's and ONS's
structure: a collection's `links.documents`, a publication's `details.attachments` on
assets.publishing.service.gov.uk, attachment sections in HTML, ONS `/file?uri=` links), and a
release fetched new, unchanged (304, or the same bytes again), changed, cut and resumed, and 404."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from tasks import landing
from tasks.errors import SourceError
from tasks.releases import Publication, fetch_release, file_name, page_links, publications
from tasks.settings import Settings
from tasks.sources import ZipSource, local_file
from tests.conftest import SAMPLE
from tests.http_fixtures import FileServer, Served

OVERVIEW = (SAMPLE / "moj_reoffending" / "proven_re-offending_overview_apr18-mar19_GENERATED.csv").read_bytes()
GEO_TOOL = (SAMPLE / "moj_reoffending" / "reoffending_geographic_tool_GENERATED.xlsx").read_bytes()
HO_TABLES = (SAMPLE / "ho_csp" / "prc-csp-GENERATED-2018-19_2019-20.xlsx").read_bytes()
POPULATION = (SAMPLE / "reference" / "lancashire_population_2014_2020.csv").read_bytes()
COLLECTION = "/api/content/government/collections/proven-reoffending-statistics"
OLD_RELEASE = "/api/content/government/statistics/proven-reoffending-statistics-october-to-december-2021"
NEW_RELEASE = "/api/content/government/statistics/proven-reoffending-statistics-january-to-march-2022"


def collection_json(host: str) -> dict:
    """A gov.uk content API document collection: its releases in links.documents, the older listed first."""
    def doc(path, title, updated):
        return {"api_path": path, "api_url": host + path, "base_path": path.removeprefix("/api/content"),
                "web_url": "https://www.gov.uk" + path.removeprefix("/api/content"), "title": title,
                "document_type": "official_statistics", "public_updated_at": updated, "locale": "en"}
    return {
        "base_path": "/government/collections/proven-reoffending-statistics", "document_type": "document_collection",
        "title": "Proven reoffending statistics",
        "details": {"collection_groups": [{"title": "2022", "body": "", "documents": ["c1", "c2"]}]},
        "links": {
            "documents": [
                doc(OLD_RELEASE, "Proven reoffending statistics: October to December 2021", "2024-01-25T09:30:00.000+00:00"),
                doc(NEW_RELEASE, "Proven reoffending statistics: January to March 2022", "2024-04-25T09:30:00.000+00:00"),
            ],
            "organisations": [{"api_url": host + "/api/content/government/organisations/ministry-of-justice",
                               "title": "Ministry of Justice"}],
        },
    }


def release_json(host: str, media: str) -> dict:
    """A gov.uk content API publication: its files in details.attachments, a bulletin link in the body."""
    def attachment(name, title, kind):
        return {"attachment_type": "file", "content_type": kind, "filename": name, "title": title,
                "url": f"{host}/media/{media}/{name}", "id": name}
    return {
        "base_path": NEW_RELEASE.removeprefix("/api/content"), "document_type": "official_statistics",
        "details": {
            "body": '<div class="govspeak"><p>Read the <a href="https://www.gov.uk/government/statistics/'
                    'proven-reoffending-statistics-january-to-march-2022/bulletin">bulletin</a>.</p></div>',
            "attachments": [
                attachment("proven_reoffending_bulletin_jan22-mar22.pdf", "Proven reoffending statistics: bulletin", "application/pdf"),
                attachment("proven_re-offending_overview_jan22-mar22.csv", "Overview data tool (CSV)", "text/csv"),
                attachment("PRSQ_geographic_data_tool_jan22-mar22.xlsx", "Proven reoffending geographical data tool",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                attachment("proven_reoffending_tables_jan22-mar22.ods", "Proven reoffending tables", "application/vnd.oasis.opendocument.spreadsheet"),
            ],
        },
    }


HO_PAGE = """<!DOCTYPE html><html lang="en"><body><main id="content">
<h1 class="gem-c-heading__text">Police recorded crime and outcomes open data tables</h1>
<div class="govspeak"><h2>Police recorded crime open data, Community Safety Partnership tables</h2>
<section class="gem-c-attachment"><h3 class="gem-c-attachment__title">
<a class="govuk-link gem-c-attachment__link" href="{host}/media/66a1/prc-csp-mar13-mar24-tables.xlsx">
Police recorded crime CSP open data table, year ending March 2013 to year ending March 2024</a></h3>
<p class="gem-c-attachment__metadata">MS Excel Spreadsheet, 10.2 MB</p></section>
<section class="gem-c-attachment"><h3><a class="govuk-link" href="{host}/media/66a2/prc-pfa-mar13-mar24-tables.ods">
Police recorded crime PFA open data table</a></h3></section>
<a href="/government/organisations/home-office">Home Office</a>
</div></main></body></html>"""

ONS_PAGE = """<!DOCTYPE html><html lang="en"><body><main>
<h1>Lower layer Super Output Area population estimates</h1>
<section><h2>Edition in this dataset</h2><ul>
<li><a href="/file?uri=/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates/mid2021andmid2022/sapelsoasyoa20212022.csv"
   aria-label="Download Mid-2021 and mid-2022 as csv (2 MB)">csv (2 MB)</a></li></ul></section>
<section><h2>Previous versions</h2><ul>
<li><a href="/file?uri=/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates/mid2020sape23dt2/sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx">xlsx (40 MB)</a></li>
</ul></section><a href="/aboutus/transparencyandgovernance">About us</a></main></body></html>"""


@pytest.fixture
def server():
    s = FileServer()
    yield s
    s.close()


@pytest.fixture
def moj(server):
    """The MoJ collection, two releases and the newest release's files."""
    server.files[COLLECTION] = Served(json.dumps(collection_json(server.url)).encode(), "application/json")
    server.files[NEW_RELEASE] = Served(json.dumps(release_json(server.url, "6627a")).encode(), "application/json")
    server.files[OLD_RELEASE] = Served(json.dumps(release_json(server.url, "65b0c")).encode(), "application/json")
    server.files["/media/6627a/proven_re-offending_overview_jan22-mar22.csv"] = Served(OVERVIEW, "text/csv")
    server.files["/media/6627a/PRSQ_geographic_data_tool_jan22-mar22.xlsx"] = Served(GEO_TOOL)
    return server


def settings_for(server, tmp_path, **kw) -> Settings:
    return Settings(workdir=tmp_path / "var", govuk_base_url=server.url, ons_base_url=server.url,
                    http_retries=kw.pop("http_retries", 2), **kw)


def fetch_moj(server, tmp_path, **kw):
    settings = settings_for(server, tmp_path, **kw)
    return settings, fetch_release(publications(settings)["moj_reoffending"], settings)


def land_all(settings, release) -> None:
    """What the feed's run does to the files: land each (a zip's members, as ZipSource lists them)."""
    for fetched in release.files:
        files = ZipSource(fetched.path).list_files(re.compile("")) if fetched.path.suffix == ".zip" \
            else [local_file(fetched.path)]
        for source in files:
            landing.land(source, "moj_reoffending", "tables", settings.landing, "run-1")


def test_the_collection_is_followed_to_its_newest_release_and_its_data_files(moj, tmp_path):
    settings, release = fetch_moj(moj, tmp_path)
    assert release.page == moj.url + NEW_RELEASE
    assert sorted(p.name for p in release.folder.iterdir()) == [
        "PRSQ_geographic_data_tool_jan22-mar22.xlsx", "proven_re-offending_overview_jan22-mar22.csv"]
    assert (release.folder / "proven_re-offending_overview_jan22-mar22.csv").read_bytes() == OVERVIEW
    assert sorted(release.new) == sorted(p.name for p in release.folder.iterdir()) and not release.nothing_new
    assert release.source == str(settings.downloads / "moj_reoffending")
    manifest = json.loads((settings.fetched / "moj_reoffending" / "manifest.json").read_text())
    assert moj.url + "/media/6627a/PRSQ_geographic_data_tool_jan22-mar22.xlsx" in manifest
    assert not [h for h in moj.hits if "65b0c" in h[0] or h[0].endswith(".pdf") or h[0].endswith(".ods")]


def test_a_release_already_landed_is_nothing_new_on_a_304(moj, tmp_path):
    settings, first = fetch_moj(moj, tmp_path)
    land_all(settings, first)
    _, again = fetch_moj(moj, tmp_path)
    assert again.nothing_new and "nothing new" in again.describe()
    overview = moj.requests_for("/media/6627a/proven_re-offending_overview_jan22-mar22.csv")
    assert len(overview) == 2 and "If-None-Match" in overview[1]


def test_the_same_bytes_served_again_whole_are_nothing_new(moj, tmp_path):
    settings, first = fetch_moj(moj, tmp_path)
    land_all(settings, first)
    (settings.fetched / "moj_reoffending" / "manifest.json").unlink()  # no validators: every file comes back 200
    _, again = fetch_moj(moj, tmp_path)
    assert again.nothing_new
    assert "If-None-Match" not in moj.requests_for("/media/6627a/proven_re-offending_overview_jan22-mar22.csv")[1]


def test_a_release_fetched_but_never_landed_is_still_new(moj, tmp_path):
    fetch_moj(moj, tmp_path)  # a run that died before its feed landed anything
    _, again = fetch_moj(moj, tmp_path)
    assert len(again.new) == 2


def test_a_revised_file_is_new_and_only_it(moj, tmp_path):
    settings, first = fetch_moj(moj, tmp_path)
    land_all(settings, first)
    moj.files["/media/6627a/proven_re-offending_overview_jan22-mar22.csv"] = Served(OVERVIEW.replace(b"\n", b"\r\n"), "text/csv")
    _, again = fetch_moj(moj, tmp_path)
    assert again.new == ["proven_re-offending_overview_jan22-mar22.csv"]


def test_a_newer_release_replaces_the_last_ones_files_in_the_folder(moj, tmp_path):
    settings, first = fetch_moj(moj, tmp_path)
    land_all(settings, first)
    newer = "/api/content/government/statistics/proven-reoffending-statistics-april-to-june-2022"
    collection = collection_json(moj.url)
    collection["links"]["documents"].append(dict(collection["links"]["documents"][1], api_url=moj.url + newer,
                                                 public_updated_at="2024-07-25T09:30:00.000+00:00"))
    moj.files[COLLECTION] = Served(json.dumps(collection).encode(), "application/json")
    moj.files[newer] = Served(json.dumps(release_json(moj.url, "66a9f")).encode().replace(b"jan22-mar22", b"apr22-jun22"),
                              "application/json")
    moj.files["/media/66a9f/proven_re-offending_overview_apr22-jun22.csv"] = Served(OVERVIEW + b"Apr 18 to Mar 19,Adult,x,y,z,1,0,0\n")
    moj.files["/media/66a9f/PRSQ_geographic_data_tool_apr22-jun22.xlsx"] = Served(GEO_TOOL)  # unchanged bytes, new name
    _, again = fetch_moj(moj, tmp_path)
    assert again.page == moj.url + newer
    assert again.new == ["proven_re-offending_overview_apr22-jun22.csv"]  # the tool's bytes were landed already
    assert sorted(p.name for p in again.folder.iterdir()) == [
        "PRSQ_geographic_data_tool_apr22-jun22.xlsx", "proven_re-offending_overview_apr22-jun22.csv"]


def test_a_zip_beside_other_files_is_named_as_not_opened_by_the_feed(moj, tmp_path):
    attachments = release_json(moj.url, "6627a")
    attachments["details"]["attachments"].append({"url": moj.url + "/media/6627a/csv-format-of-data-tools.zip",
                                                  "title": "CSV format of data tools", "filename": "csv-format-of-data-tools.zip"})
    moj.files[NEW_RELEASE] = Served(json.dumps(attachments).encode(), "application/json")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("overview.csv", OVERVIEW)
    moj.files["/media/6627a/csv-format-of-data-tools.zip"] = Served(buf.getvalue())
    _, release = fetch_moj(moj, tmp_path)
    assert release.source == str(release.folder) and release.unopened == ["csv-format-of-data-tools.zip"]
    assert "not opened by the feed, beside other files: csv-format-of-data-tools.zip" in release.describe()


def test_a_cut_download_is_resumed_within_the_fetch(moj, tmp_path):
    moj.files["/media/6627a/PRSQ_geographic_data_tool_jan22-mar22.xlsx"] = Served(GEO_TOOL, cut_after=[5000])
    _, release = fetch_moj(moj, tmp_path)
    assert (release.folder / "PRSQ_geographic_data_tool_jan22-mar22.xlsx").read_bytes() == GEO_TOOL
    assert moj.requests_for("/media/6627a/PRSQ_geographic_data_tool_jan22-mar22.xlsx")[1]["Range"] == "bytes=5000-"


def test_a_withdrawn_attachment_is_a_source_error_naming_its_url(moj, tmp_path):
    del moj.files["/media/6627a/PRSQ_geographic_data_tool_jan22-mar22.xlsx"]
    with pytest.raises(SourceError, match=f"{moj.url}/media/6627a/PRSQ_geographic_data_tool_jan22-mar22.xlsx: not published \\(HTTP 404\\)"):
        fetch_moj(moj, tmp_path)


def test_a_missing_landing_page_is_a_source_error_naming_its_url(server, tmp_path):
    with pytest.raises(SourceError, match=f"{server.url}{COLLECTION}: not published"):
        fetch_moj(server, tmp_path)


def test_a_page_without_matching_files_says_what_it_links(moj, tmp_path):
    with pytest.raises(SourceError, match="no file linked matching .*proven_reoffending_tables_jan22-mar22.ods"):
        fetch_moj(moj, tmp_path, moj_reoffending_files=r"\.parquet$")


def test_the_home_office_tables_are_found_in_a_gov_uk_html_page(server, tmp_path):
    server.files["/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables"] = Served(
        HO_PAGE.format(host=server.url).encode(), "text/html; charset=utf-8")
    server.files["/media/66a1/prc-csp-mar13-mar24-tables.xlsx"] = Served(HO_TABLES)
    settings = settings_for(server, tmp_path)
    html = Publication("ho_csp", server.url + "/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables",
                       settings.ho_csp_files)
    release = fetch_release(html, settings)
    assert [f.path.name for f in release.files] == ["prc-csp-mar13-mar24-tables.xlsx"]
    assert release.source == str(settings.downloads / "ho_csp") and release.files[0].path.read_bytes() == HO_TABLES


def test_ons_population_takes_the_current_edition_only(server, tmp_path):
    page = "/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates"
    server.files[page] = Served(ONS_PAGE.encode(), "text/html")
    current = ("/file?uri=/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/"
               "lowersuperoutputareamidyearpopulationestimates/mid2021andmid2022/sapelsoasyoa20212022.csv")
    server.files[current] = Served(POPULATION, "text/csv")
    settings = settings_for(server, tmp_path)
    release = fetch_release(publications(settings)["ons_population"], settings)
    assert [f.path.name for f in release.files] == ["sapelsoasyoa20212022.csv"]
    assert release.folder == settings.downloads / "reference" / "ons_population"
    assert [h for h, _ in server.hits] == [page, current]


def test_ons_lookups_need_their_urls_configured(server, tmp_path):
    settings = settings_for(server, tmp_path)
    with pytest.raises(SourceError, match="CSP_ONS_LOOKUP_URLS"):
        fetch_release(publications(settings)["ons_lookups"], settings)
    lookup = (SAMPLE / "reference" / "LAD19_CSP19_PFA19_EW_LU.csv").read_bytes()
    server.files["/datasets/lad19-csp19-pfa19.csv"] = Served(lookup, "text/csv")
    settings = settings_for(server, tmp_path, ons_lookup_urls=[server.url + "/datasets/lad19-csp19-pfa19.csv"])
    release = fetch_release(publications(settings)["ons_lookups"], settings)
    assert release.files[0].path.read_bytes() == lookup and release.new == ["lad19-csp19-pfa19.csv"]


def test_a_zip_release_is_nothing_new_when_the_members_it_landed_are_unchanged(server, tmp_path):
    def data_tools(extra: bytes = b"") -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("proven_re-offending_overview_apr18-mar19.csv", OVERVIEW + extra)
            z.writestr("README.txt", "CSV format of data tools")
        return buf.getvalue()

    server.files["/files.json"] = Served(json.dumps({"details": {"attachments": [
        {"url": server.url + "/media/1/csv-data-tools.zip", "title": "CSV format of data tools", "filename": "csv-data-tools.zip"}]}}).encode(),
        "application/json")
    server.files["/media/1/csv-data-tools.zip"] = Served(data_tools())
    settings = settings_for(server, tmp_path)
    publication = Publication("moj_reoffending", server.url + "/files.json", settings.moj_reoffending_files)
    first = fetch_release(publication, settings)
    assert first.source.endswith("csv-data-tools.zip")  # one zip: the feed reads the archive itself
    assert not first.unopened
    landing.land(ZipSource(first.files[0].path).list_files(re.compile(r"\.csv$"))[0],
                 "moj_reoffending", "tables", settings.landing, "run-1")  # only the CSV lands, as the feed would
    server.files["/media/1/csv-data-tools.zip"] = Served(data_tools())  # rebuilt: new zip bytes, same members
    assert fetch_release(publication, settings).nothing_new
    server.files["/media/1/csv-data-tools.zip"] = Served(data_tools(b"Apr 18 to Mar 19,Adult,x,y,z,1,0,0\n"))
    assert fetch_release(publication, settings).new == ["csv-data-tools.zip"]


@pytest.mark.parametrize("url, name", [
    ("https://assets.publishing.service.gov.uk/media/6627a/PRSQ%20Geographic%20data.csv", "PRSQ Geographic data.csv"),
    ("https://www.ons.gov.uk/file?uri=/a/b/sapelsoasyoa20212022.xlsx", "sapelsoasyoa20212022.xlsx"),
    ("https://example.org/../../etc/passwd", "passwd"),
])
def test_file_names_come_from_the_link(url, name):
    assert file_name(url) == name


def test_links_are_read_from_content_api_json_and_html_alike():
    host = "https://www.gov.uk"
    from_json = page_links(json.dumps(release_json(host, "m")), "application/json", host + NEW_RELEASE)
    names = [file_name(link.url) for link in from_json]
    assert "PRSQ_geographic_data_tool_jan22-mar22.xlsx" in names and "bulletin" in names
    from_html = page_links(HO_PAGE.format(host=host), "text/html", host + "/government/x")
    assert [link.url for link in from_html][-1] == "https://www.gov.uk/government/organisations/home-office"
    assert from_html[0].text.startswith("Police recorded crime CSP open data table")


@pytest.mark.parametrize("command", ["moj-reoffending", "ho-csp", "reference"])
def test_the_command_line_fetches_a_public_release_instead_of_a_source(command, capsys):
    from flows.cli import build_parser

    args = build_parser().parse_args(["ingest", command, "--fetch"])
    assert args.fetch_release and args.source is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest", command, "--fetch", "--source", "x"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert not build_parser().parse_args(["ingest", command, "--source", "x"]).fetch_release
