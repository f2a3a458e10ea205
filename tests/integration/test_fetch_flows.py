"""Scheduled feeds fetch their public release (a local stand-in for gov.uk): the Home Office CSP
tables fetched and loaded, then the same release again ends the run Completed as "nothing new"
with nothing loaded; and the police.uk archive task has one retry layer, so a failing server is
asked exactly http_retries + 1 times."""

from __future__ import annotations

import json

import pytest

from flows.ingest_ho_csp import ingest_ho_csp
from flows.ingest_moj_reoffending import ingest_moj_reoffending
from flows.ingest_police_uk import fetch_archive, ingest_police_uk
from flows.ingest_reference import ingest_reference
from tasks.report import FeedFailed
from tests.conftest import SAMPLE, SAMPLE_REFERENCE, query
from tests.http_fixtures import FileServer, Served

pytestmark = pytest.mark.usefixtures("prefect_api")

HO_DATASET = "/api/content/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables"
WORKBOOK = (SAMPLE / "ho_csp" / "prc-csp-GENERATED-2018-19_2019-20.xlsx").read_bytes()


@pytest.fixture
def govuk():
    """gov.uk's content API for the open data tables (its attachments list, as gov.uk returns it) and the workbook."""
    server = FileServer()
    server.files[HO_DATASET] = Served(json.dumps({
        "base_path": HO_DATASET.removeprefix("/api/content"), "document_type": "statistical_data_set",
        "details": {"attachments": [
            {"attachment_type": "file", "filename": "prc-csp-mar13-mar24-tables.xlsx", "title": "CSP open data table",
             "url": f"{server.url}/media/66a1/prc-csp-mar13-mar24-tables.xlsx"},
            {"attachment_type": "file", "filename": "prc-pfa-mar13-mar24-tables.ods", "title": "PFA open data table",
             "url": f"{server.url}/media/66a2/prc-pfa-mar13-mar24-tables.ods"}]}}).encode(), "application/json")
    server.files["/media/66a1/prc-csp-mar13-mar24-tables.xlsx"] = Served(WORKBOOK)
    yield server
    server.close()


def test_a_fetched_release_loads_and_the_same_release_again_is_nothing_new(govuk, tmp_path, monkeypatch):
    monkeypatch.setenv("CSP_GOVUK_BASE_URL", govuk.url)
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    first = ingest_ho_csp(fetch_release=True, **where)
    assert first["totals"]["rows_curated"] > 0 and not first["failed"]
    assert (tmp_path / "var" / "downloads" / "ho_csp" / "prc-csp-mar13-mar24-tables.xlsx").read_bytes() == WORKBOOK
    loads = query(where["warehouse_url"], "select count(*) from etl_load_log where feed = 'ho_csp'")
    state = ingest_ho_csp(fetch_release=True, return_state=True, **where)
    assert state.is_completed()
    again = state.result()
    assert again["status"] == "nothing new" and "prc-csp-mar13-mar24-tables.xlsx already loaded" in again["releases"][0]
    assert query(where["warehouse_url"], "select count(*) from etl_load_log where feed = 'ho_csp'") == loads
    assert "If-None-Match" in govuk.requests_for("/media/66a1/prc-csp-mar13-mar24-tables.xlsx")[1]
    assert "nothing new" in fetch_artifact("ho-csp-fetch", state.state_details.flow_run_id)


def fetch_artifact(key: str, flow_run_id) -> str:
    """The markdown of the run's artifact with that key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return artifact.data


def test_the_police_uk_archive_task_does_not_retry_on_top_of_the_client():
    assert fetch_archive.retries == 0


def test_a_failing_archive_server_is_asked_exactly_http_retries_plus_one_times(tmp_path, monkeypatch):
    server = FileServer()
    server.files["/data/archive/2020-03.zip"] = Served(b"", status=503)
    monkeypatch.setenv("CSP_POLICE_UK_BASE_URL", server.url)
    monkeypatch.setenv("CSP_HTTP_RETRIES", "2")
    try:
        with pytest.raises(FeedFailed, match="gave up after 3 attempts"):
            ingest_police_uk(fetch_month="2020-03", workdir=str(tmp_path / "var"),
                             warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
        assert len(server.requests_for("/data/archive/2020-03.zip")) == 3
    finally:
        server.close()


ONS_PAGE = "/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates"
POPULATION_FILE = "/file?uri=/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/" \
                  "lowersuperoutputareamidyearpopulationestimates/mid2014tomid2020/lancashire_lsoa_population_2014_2020.csv"


def test_reference_fetches_the_ons_lookups_and_population_then_finds_nothing_new(tmp_path, monkeypatch):
    server = FileServer()
    reference = SAMPLE / "reference"
    for name in ("LSOA11_WD19_LAD19_EW_LU_lancashire.csv", "LAD19_CSP19_PFA19_EW_LU.csv"):
        server.files[f"/datasets/{name}"] = Served((reference / name).read_bytes(), "text/csv")
    # an ONS dataset page (current edition first, a previous one after), as www.ons.gov.uk lays it out
    server.files[ONS_PAGE] = Served(f"""<html><body><h1>LSOA population estimates</h1>
        <a href="{POPULATION_FILE}">csv (130 kB)</a>
        <h2>Previous versions</h2><a href="/file?uri=/x/mid2019/old_lsoa_population.csv">csv</a></body></html>""".encode(),
        "text/html")
    server.files[POPULATION_FILE] = Served((reference / "lancashire_population_2014_2020.csv").read_bytes(), "text/csv")
    monkeypatch.setenv("CSP_ONS_BASE_URL", server.url)
    monkeypatch.setenv("CSP_ONS_LOOKUP_URLS", json.dumps([server.url + "/datasets/LSOA11_WD19_LAD19_EW_LU_lancashire.csv",
                                                          server.url + "/datasets/LAD19_CSP19_PFA19_EW_LU.csv"]))
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        first = ingest_reference(fetch_release=True, **where)
        assert not first["failed"]
        assert query(where["warehouse_url"], "select count(*) from dim_geography") == [(941,)]
        downloads = tmp_path / "var" / "downloads" / "reference"
        fetched = {row["source_name"] for row in first["files"] if row["source_name"].startswith(str(downloads))}
        assert fetched == {str(downloads / "ons_lookups" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv"),
                           str(downloads / "ons_lookups" / "LAD19_CSP19_PFA19_EW_LU.csv"),
                           str(downloads / "ons_population" / "lancashire_lsoa_population_2014_2020.csv")}
        again = ingest_reference(fetch_release=True, **where)
        assert again["status"] == "nothing new" and len(again["releases"]) == 2
        assert not [h for h, _ in server.hits if "old_lsoa_population" in h]
    finally:
        server.close()


MOJ_COLLECTION = "/api/content/government/collections/proven-reoffending-statistics"
MOJ_RELEASE = "/api/content/government/statistics/proven-reoffending-statistics-january-to-march-2020"


def test_moj_fetches_the_newest_release_and_a_revised_file_loads_again(tmp_path, monkeypatch):
    server = FileServer()
    moj = SAMPLE / "moj_reoffending"
    server.files[MOJ_COLLECTION] = Served(json.dumps({"document_type": "document_collection", "links": {"documents": [
        {"api_url": server.url + MOJ_RELEASE, "title": "Proven reoffending statistics: January to March 2020",
         "public_updated_at": "2022-04-28T09:30:00.000+01:00"}]}}).encode(), "application/json")
    server.files[MOJ_RELEASE] = Served(json.dumps({"details": {"attachments": [
        {"url": f"{server.url}/media/1/{name}", "filename": name, "title": title} for name, title in [
            ("proven_re-offending_overview_apr18-mar19.csv", "Overview data"),
            ("reoffending_geographic_tool.xlsx", "Proven reoffending geographical data tool"),
            ("proven_reoffending_bulletin.pdf", "Bulletin")]]}}).encode(), "application/json")
    overview = (moj / "proven_re-offending_overview_apr18-mar19_GENERATED.csv").read_bytes()
    server.files["/media/1/proven_re-offending_overview_apr18-mar19.csv"] = Served(overview, "text/csv")
    server.files["/media/1/reoffending_geographic_tool.xlsx"] = Served((moj / "reoffending_geographic_tool_GENERATED.xlsx").read_bytes())
    monkeypatch.setenv("CSP_GOVUK_BASE_URL", server.url)
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        ingest_reference(source=SAMPLE_REFERENCE, **where)
        first = ingest_moj_reoffending(fetch_release=True, **where)
        assert not first["failed"] and len(first["files"]) == 2 and first["totals"]["rows_curated"] > 0
        assert ingest_moj_reoffending(fetch_release=True, **where)["status"] == "nothing new"
        # the overview republished with CRLF line ends: new bytes, so the release loads again
        server.files["/media/1/proven_re-offending_overview_apr18-mar19.csv"] = Served(overview.replace(b"\n", b"\r\n"), "text/csv")
        third = ingest_moj_reoffending(fetch_release=True, **where)
        assert "status" not in third and not third["failed"]
        assert not [h for h, _ in server.hits if h.endswith(".pdf")]
    finally:
        server.close()
