"""Lancashire Talking end to end on generated cumulative exports, on DuckDB and PostgreSQL: row
accounting, the latest version of each response winning in any load order, reloads changing
nothing, no member id, postcode or free text anywhere downstream of landing, and mart E9 against
an independent pandas computation from the raw exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from flows.ingest_itk import ingest_itk
from flows.ingest_reference import ingest_reference
from tests.conftest import BACKENDS, SAMPLE_REFERENCE, assert_marts_identical, make_warehouse, query
from tests.disclosure_attack import hierarchy_relations, recovered
from tests.integration.conftest import load_backends
from tests.survey_fixtures import lancashire_dim, text_values_in_warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")
PII_COLUMNS = ("member_id", "postcode", "other_issue_text")


def raw_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def exports(itk_exports) -> list[Path]:
    return itk_exports


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, itk_exports, prefect_api) -> dict:
    """Each backend with reference and the three exports loaded, oldest first."""
    backends = load_backends(tmp_path_factory, "itk", lambda where: ingest_itk(source=str(itk_exports[0].parent), **where))
    yield backends
    backends.close()


@pytest.fixture(params=BACKENDS)
def backend(request, loaded):
    return loaded[request.param]


HELD = "select l.source_sha256, q.source_row from quarantine_itk_response q join etl_load_log l using (load_id)"


def current(url: str) -> dict[str, tuple]:
    """response_id -> (updated_at, source_sha256, run_id, issues named) in the warehouse, its load traced through the load log."""
    return {r[0]: r[1:] for r in query(url, "select response_id, updated_at, l.source_sha256, l.run_id, issues_named "
                                            "from fact_itk_response join etl_load_log l using (load_id)")}


def expected_latest(exports: list[Path], url: str) -> dict[str, str]:
    """response_id -> latest updated_at among the rows the load did not quarantine, from the raw files."""
    held = {(sha, row) for sha, row in query(url, HELD)}
    shas = dict(query(url, "select source_name, source_sha256 from etl_load_log where feed = 'itk' and status = 'loaded'"))
    latest: dict[str, str] = {}
    for path in exports:
        sha = next(v for k, v in shas.items() if k.endswith(path.name))
        for i, row in enumerate(raw_rows(path), start=1):
            if (sha, i) not in held and row["updated_at"] > latest.get(row["response_id"], ""):
                latest[row["response_id"]] = row["updated_at"]
    return latest


def test_every_row_is_accounted_for_in_the_load_log(backend, exports):
    log = query(backend["url"], "select source_name, rows_in, rows_curated, rows_quarantined, status, message "
                                "from etl_load_log where feed = 'itk' order by period")
    assert [r[4] for r in log] == ["loaded"] * 3
    for (name, rows_in, curated, held, _, message), path in zip(log, exports):
        assert name.endswith(path.name) and rows_in == len(raw_rows(path)) == curated + held
    assert sum(r[3] for r in log) > 0
    assert "versions applied=" in log[-1][5]
    (quarantined,), = query(backend["url"], "select count(*) from quarantine_itk_response")
    assert quarantined == sum(r[3] for r in log)


def test_the_latest_version_of_each_response_wins(backend, exports):
    got = current(backend["url"])
    want = expected_latest(exports, backend["url"])
    assert {k: v[0].strftime("%Y-%m-%dT%H:%M:%S") for k, v in got.items()} == want
    loaded_hashes = {sha for (sha,) in query(backend["url"], "select source_sha256 from etl_load_log where feed = 'itk'")}
    assert {v[1] for v in got.values()} <= loaded_hashes and all(v[2] for v in got.values())
    (issues,), = query(backend["url"], "select count(*) from fact_itk_response_issue")
    assert issues == sum(v[3] for v in got.values())
    (orphans,), = query(backend["url"], "select count(*) from fact_itk_response_issue i where not exists (select 1 "
                                        "from fact_itk_response r where r.response_id = i.response_id and r.updated_at = i.updated_at)")
    assert orphans == 0


def test_each_export_applies_exactly_its_new_and_newer_versions(backend, exports):
    """The merge counts in the load log equal those replayed from the raw exports, oldest first."""
    held = {(sha, row) for sha, row in query(backend["url"], HELD)}
    log = {name.rsplit("/", 1)[-1].rsplit("!", 1)[-1]: (sha, message) for name, sha, message in query(
        backend["url"], "select source_name, source_sha256, message from etl_load_log where feed = 'itk' and run_id = :run",
        run=backend["result"]["run_id"])}
    latest: dict[str, str] = {}
    for path in exports:
        sha, message = log[path.name]
        new = updated = 0
        for i, row in enumerate(raw_rows(path), start=1):
            if (sha, i) in held or row["updated_at"] <= latest.get(row["response_id"], ""):
                continue
            new, updated = new + (row["response_id"] not in latest), updated + (row["response_id"] in latest)
            latest[row["response_id"]] = row["updated_at"]
        assert f"versions applied={new + updated} (new responses={new}, updated={updated})" in message, (path.name, message)
    assert updated > 0  # the last export edits earlier answers, so the update path was exercised


def test_reloading_the_exports_changes_nothing(backend, exports):
    before = current(backend["url"])
    result = ingest_itk(source=str(exports[0].parent), **backend["where"])
    assert current(backend["url"]) == before
    assert all("versions applied=0 " in f["message"] for f in result["files"])


@pytest.mark.slow
def test_an_older_export_loaded_after_a_newer_one_leaves_the_newer_answers(tmp_path, exports, loaded):
    url, cleanup = make_warehouse("duckdb", tmp_path)
    try:
        where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
        ingest_reference(source=SAMPLE_REFERENCE, **where)
        ingest_itk(source=str(exports[2]), **where)
        newest = current(url)
        result = ingest_itk(source=str(exports[0]), **where)
        assert "versions applied=0 " in result["files"][0]["message"]
        ingest_itk(source=str(exports[1]), **where)
        final = {k: v[0] for k, v in current(url).items()}
        assert final == {k: v[0] for k, v in current(loaded["duckdb"]["url"]).items()}
        assert all(final[k] == v[0] for k, v in newest.items())
    finally:
        cleanup()


def test_no_member_id_postcode_or_free_text_leaves_landing(backend, exports):
    pii = set()
    for path in exports:
        for row in raw_rows(path):
            pii.update(v for c in PII_COLUMNS if (v := row[c]) and len(v) > 3)
    assert any(v.startswith("ITK") for v in pii) and any("Example Road" in v for v in pii)
    found = text_values_in_warehouse(backend["url"], lambda v: v in pii or "Example Road" in v or v.startswith("ITK"))
    assert not found
    lake = Path(backend["where"]["workdir"]) / "lake"
    files = list(lake.rglob("*.parquet"))
    assert any("itk_response" in str(p) for p in files)
    for path in files:
        table = pq.read_table(path)
        assert not set(PII_COLUMNS) & set(table.column_names), path
        for name in table.column_names:
            if str(table.schema.field(name).type) == "string":
                assert not set(table[name].to_pylist()) & pii, (path, name)


def test_community_issues_match_pandas_on_the_raw_exports(backend, exports):
    held = {(sha, row) for sha, row in query(backend["url"], HELD)}
    shas = dict(query(backend["url"], "select source_name, source_sha256 from etl_load_log where feed = 'itk' and status = 'loaded'"))
    frames = []
    for path in exports:
        sha = next(v for k, v in shas.items() if k.endswith(path.name))
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["source_row"] = range(1, len(frame) + 1)
        frames.append(frame[[(sha, r) not in held for r in frame["source_row"]]])
    latest = pd.concat(frames).sort_values("updated_at").groupby("response_id").tail(1)
    dim = lancashire_dim().to_pandas()[["ward_code", "authority_name", "authority_code", "bcu"]].drop_duplicates()
    authority_names = dict(zip(dim["authority_code"], dim["authority_name"]))
    latest = latest.merge(dim.drop(columns="authority_code"), on="ward_code", validate="many_to_one")
    long = latest.melt(id_vars=["response_id", "ward_name", "ward_code", "authority_name", "bcu"],
                       value_vars=[f"issue_{i}" for i in range(1, 6)], var_name="slot", value_name="issue")
    long = long[long["issue"] != ""]
    long["points"] = 6 - long["slot"].str[-1].astype(int)
    long["category"] = long["issue"].str.split(": ").str[0]
    mart = pd.DataFrame(query(backend["url"], "select area_level, area_code, issue_category, issue_detail, responses, "
                                              "total_responses, priority_score, suppressed, suppression from mart_community_issues"),
                        columns=["level", "code", "category", "detail", "responses", "total", "score", "suppressed", "kind"])
    for level, key in [("county", None), ("bcu", "bcu"), ("authority", "authority_name"), ("ward", "ward_code")]:
        area = (lambda f: pd.Series("all", index=f.index)) if key is None else (lambda f, k=key: f[k])
        totals = latest.groupby(area(latest)).size()
        best = long.groupby([area(long), long["response_id"], long["category"]])["points"].max().reset_index()
        best.columns = ["area", "response_id", "category", "points"]
        cats = best.groupby(["area", "category"]).agg(n=("response_id", "size"), score=("points", "sum"))
        rows = mart[(mart["level"] == level) & mart["detail"].isna()]
        checked = 0
        for r in rows.itertuples():
            name = {"county": "all", "authority": authority_names.get(r.code)}.get(level, r.code)
            total = int(totals.get(name, 0))
            n, score = cats.loc[(name, r.category)] if (name, r.category) in cats.index else (0, 0)
            # primary suppression: exactly the cells of 1-9 responses, or in an area of 1-9
            assert (r.kind == "primary") == (1 <= total <= 9 or 1 <= n <= 9), (level, name, r.category)
            if r.suppressed:
                assert pd.isna(r.responses) and pd.isna(r.score), (level, name)
                assert pd.isna(r.total) or r.total == total
                continue
            assert (r.total, r.responses, r.score) == (total, n, score), (level, name, r.category)
            checked += 1
        assert checked > 0
    details = long.groupby(["issue"]).agg(n=("response_id", "size"), score=("points", "sum"))
    county = mart[(mart["level"] == "county") & mart["detail"].notna()]
    for r in county[~county["suppressed"]].itertuples():
        assert (r.responses, r.score) == tuple(details.loc[f"{r.category}: {r.detail}"]), r.detail


def test_no_suppressed_issue_count_can_be_recovered_by_differencing(backend):
    dim = lancashire_dim().to_pandas()[["ward_code", "authority_code", "bcu"]].drop_duplicates()
    county = ("county", "E23000003")
    edges = [(("ward", w), ("authority", a)) for w, a in zip(dim["ward_code"], dim["authority_code"])]
    for a, b in set(zip(dim["authority_code"], dim["bcu"])):
        edges += [(("authority", a), ("bcu", b)), (("authority", a), county)]
    edges += [(("bcu", b), county) for b in set(dim["bcu"])]
    rows = query(backend["url"], "select area_level, area_code, issue_category, issue_detail, responses, total_responses, "
                                 "suppression from mart_community_issues")
    cells = {((r[0], r[1]), (r[2], r[3])): r[4:] for r in rows}
    kinds = [v[2] for v in cells.values()]
    assert kinds.count("primary") > 0 and kinds.count("secondary") > 0
    relations = hierarchy_relations(set(cells), edges, {k[1] for k in cells})
    assert recovered({k: v[0] for k, v in cells.items()}, relations) == set()
    totals = {(area, "total"): v[1] for (area, _), v in cells.items()}
    total_relations = hierarchy_relations(set(totals), edges, {"total"})
    assert recovered(totals, total_relations) == set()
    # the attack bites: with the primary cells alone hidden, some come back
    primary_only = {k: (None if v[2] == "primary" else 1) for k, v in cells.items()}
    assert recovered(primary_only, relations)


@pytest.mark.postgres
def test_community_issues_are_identical_on_duckdb_and_postgres(loaded):
    marts = assert_marts_identical(loaded["duckdb"]["url"], loaded["postgres"]["url"])
    assert "mart_community_issues" in marts


def test_an_export_with_a_bom_and_crlf_loads_and_one_with_a_missing_column_is_rejected(backend, exports, tmp_path):
    text = exports[0].read_text(encoding="utf-8")
    crlf = tmp_path / "crlf" / exports[0].name
    crlf.parent.mkdir()
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    before = current(backend["url"])
    result = ingest_itk(source=str(crlf), **backend["where"])
    assert result["files"][0]["rows_in"] == len(raw_rows(exports[0])) and current(backend["url"]) == before
    lines = text.splitlines()
    dropped = tmp_path / "missing" / "itk_lancashire_talking_20200401.csv"
    dropped.parent.mkdir()
    dropped.write_text("\n".join(",".join(r.split(",")[:1] + r.split(",")[2:]) for r in lines[:50]) + "\n", encoding="utf-8")
    from tasks.report import FeedFailed

    with pytest.raises(FeedFailed, match=r"missing columns \['member_id'\]"):
        ingest_itk(source=str(dropped), **backend["where"])
    assert current(backend["url"]) == before


def test_the_run_publishes_quarantine_counts_by_rule(backend):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[backend["result"]["run_id"]])))
    table = {a.key: a for a in artifacts}["itk-quarantine"]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    by_rule = {}
    for r in rows:
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + r["rows"]
    held = query(backend["url"], "select rule from quarantine_itk_response")
    expected = {}
    for (rules,) in held:
        for rule in rules.split(";"):
            expected[rule] = expected.get(rule, 0) + 1
    assert by_rule == expected and "issue_repeated" in by_rule
    page = Path(backend["where"]["workdir"]) / "logs" / f"itk-{backend['result']['run_id']}-validation.html"
    html = page.read_text(encoding="utf-8")
    # the summary is inline and names the page; no artifact is a file:// link the UI could not open
    assert str(page.resolve()) in {a.key: a for a in artifacts}["itk-validation"].data
    assert not any("file://" in str(a.data) for a in artifacts)
    assert "issue_repeated: " in html and "<script" not in html and "http" not in html
