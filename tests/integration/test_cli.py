"""The csp-pipeline command: --help stays light (no Prefect, GX or pandas import); the demo runs
the whole assessment on the bundled sample, says where everything is, leaves no personal data from
any input in the warehouse, the lake or the report; its evidence pack has fifteen self-contained
pages carrying E1-E11 with provenance and CSVs, suppressed cells shown as suppressed, and every page
renders in headless Chromium with the network refused; failures exit non-zero."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CLI, REPO, SAMPLE_REFERENCE, run_cli
from tests.survey_fixtures import sample_pii, text_values_in_lake, text_values_in_warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_help_imports_nothing_heavy():
    code = ("import sys, flows.cli; flows.cli.build_parser(); "
            "print(sorted(m for m in ('prefect', 'great_expectations', 'pandas', 'pyarrow', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    help_text = subprocess.run([CLI, "ingest", "police-uk", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--source", "--force", "--months", "--fetch-month", "--warehouse-url", "--workdir", "--lake-dir"):
        assert option in help_text


@pytest.fixture(scope="module")
def demo(tmp_path_factory, prefect_api) -> Path:
    """The README's demo, run once in a fresh folder: returns that folder (the demo writes ./var)."""
    folder = tmp_path_factory.mktemp("demo")
    done = run_cli("demo", cwd=folder, PREFECT_LOGGING_LEVEL="INFO")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (folder / "stdout.txt").write_text(done.stdout, encoding="utf-8")
    return folder


@pytest.mark.system
def test_demo_runs_the_assessment_and_says_where_things_are(demo):
    out = (demo / "stdout.txt").read_text(encoding="utf-8")
    assert "64,338 rows in = 64,338 curated + 0 quarantined" in out
    assert "fact_street_crime" in out and "64,338 rows" in out
    assert f"duckdb:///{demo / 'var' / 'warehouse.duckdb'}" in out
    assert "ingest_police_uk" in (demo / "var" / "logs" / "csp-pipeline.log").read_text()
    assert (demo / "var" / "lake" / "curated" / "police_uk_street" / "force=lancashire" / "month=2020-03" / "data.parquet").exists()
    assert "itk" in out and "50,145 rows in" in out and "fact_itk_response" in out
    assert "trading_standards" in out and "15,000 rows in" in out and "mart_young_persons_indicators" in out
    assert "moj_reoffending" in out and "1,774 rows in = 1,774 curated" in out and "mart_reoffending_rate" in out
    assert "reoffending_cohort" in out and "10,000 rows in" in out and "mart_reoffender_profile" in out
    assert f"report             15 pages in {demo / 'var' / 'report'}" in out


@pytest.mark.system
def test_no_personal_data_from_any_input_reaches_the_warehouse_or_the_lake(demo):
    pii = sample_pii()
    assert len(pii) > 50_000
    url = f"duckdb:///{demo / 'var' / 'warehouse.duckdb'}"
    assert not text_values_in_warehouse(url, pii.__contains__)
    assert not text_values_in_lake(demo / "var" / "lake", pii.__contains__)
    report = "".join(p.read_text(encoding="utf-8") for p in (demo / "var" / "report").rglob("*.*")
                     if p.suffix in (".html", ".csv", ".svg"))  # the PNGs draw the SVGs' text
    assert not [v for v in list(pii)[:5000] if v in report]


@pytest.mark.parametrize("feed", ["reference", "police-uk", "recorded-crime", "ho-csp", "itk", "trading-standards",
                                  "moj-reoffending", "reoffending-cohort"])
def test_an_ingest_without_a_source_is_refused_before_anything_runs(tmp_path, feed):
    done = subprocess.run([CLI, "ingest", feed, "--workdir", str(tmp_path / "wd")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--source" in done.stderr, done.stderr
    assert not (tmp_path / "wd").exists()


@pytest.mark.system
def test_environment_settings_apply_and_a_bad_source_exits_non_zero(tmp_path):
    lake = tmp_path / "elsewhere"
    done = run_cli("ingest", "reference", "--source", SAMPLE_REFERENCE, cwd=tmp_path, CSP_LAKE_DIR=str(lake), CSP_WORKDIR=str(tmp_path / "wd"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (lake / "curated" / "dim_geography" / "data.parquet").exists()
    assert (tmp_path / "wd" / "warehouse.duckdb").exists()
    bad = run_cli("ingest", "police-uk", "--source", str(tmp_path / "nope"), "--workdir", str(tmp_path / "wd"),
                  cwd=tmp_path, CSP_LAKE_DIR=str(lake))
    assert bad.returncode == 1 and "source not found" in bad.stdout


HEADINGS = ["E1. Recorded crime by year and category", "E2. Share of crime count against share of harm",
            "E3. All crime per 1,000 residents, ranked", "E4. Domestic abuse", "E5. Hate crime by strand",
            "E6. Victim and suspect age bands", "E7. Proven reoffending rate", "E8. Table 2", "E8. Table 3",
            "E9. Community issues", "E10. Young Persons Survey indicators"]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def pack(demo) -> Path:
    return demo / "var" / "report"


@pytest.mark.system
def test_fifteen_pages_each_with_every_figure_and_its_provenance(pack):
    pages = sorted(p.name for p in pack.glob("*.html"))
    assert len(pages) == 15 and "index.html" in pages and "profile-blackpool.html" in pages
    county = (pack / "index.html").read_text(encoding="utf-8")
    for heading in HEADINGS + ["E11. Table 1: threat ranking"]:
        assert heading in county, heading
    assert "SAMPLE-not-ONS-2026" in county and "Harm from the force extract" in county  # offence-coded weights, named
    assert re.search(r"Source: <code>mart_crime_trend</code> · financial years", county)
    assert county.count("<svg") >= 10
    profile = (pack / "profile-preston.html").read_text(encoding="utf-8")
    assert all(h in profile for h in HEADINGS) and "Preston" in profile


@pytest.mark.system
def test_pages_ask_nothing_of_the_network(pack):
    for page in pack.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), page.name
        assert "<script" not in html and "@import" not in html


@pytest.mark.system
def test_every_figure_has_its_data_as_csv_with_the_mart_named(pack):
    index = (pack / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(data/[^"]+\.csv)"', index)
    assert len(links) == 15
    for link in links:
        with open(pack / link, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and rows[0]["mart"].startswith("mart_"), link


def map_section(html: str, key: str) -> str:
    """The page's section of one map figure."""
    found = re.search(rf'<section id="{key}">.*?</section>', html, flags=re.S)
    assert found, key
    return found.group(0)


@pytest.mark.system
def test_each_lsoa_map_draws_one_shape_per_lsoa_of_its_area_and_names_its_hotspots(pack, demo):
    import pandas as pd

    from tests.conftest import SAMPLE, query

    lookup = pd.read_csv(SAMPLE / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    url = f"duckdb:///{demo / 'var' / 'warehouse.duckdb'}"
    pages = {"index": lookup} | {f"profile-{re.sub(r'[^a-z0-9]+', '-', name.lower())}": rows
                                 for name, rows in lookup.groupby("LAD19NM")}
    for page, lsoas in pages.items():
        section = map_section((pack / f"{page}.html").read_text(encoding="utf-8"), "map-lsoas")
        labels = re.findall(r'aria-label="[^"]*\((E01\d{6})\): ([^"]*)"', section)
        assert sorted(code for code, _ in labels) == sorted(lsoas["LSOA11CD"]), page
        assert 'role="img"' in section and "Contains OS data © Crown copyright and database right" in section
        hotspots = {code for code, text in labels if text.endswith("persistent hotspot")}
        listed = set(re.findall(r"<td class='t'>(E01\d{6})</td>", section))
        # outlined on the map exactly when named in the table beside it (the county's longer list goes on in its CSV)
        assert listed <= hotspots and len(listed) == min(len(hotspots), 40), page
        # suppressed LSOAs are drawn as suppressed, never as zero
        hidden = {r[0] for r in query(url, "select area_code from mart_ward_crime where area_level = 'lsoa' "
                                           "and measure = 'crime' and suppressed")}
        assert {code for code, text in labels if text.startswith("suppressed")} == hidden & set(lsoas["LSOA11CD"]), page
        for extension, magic in (("svg", b"<svg"), ("png", b"\x89PNG")):
            assert (pack / "figures" / f"{page}-map-lsoas.{extension}").read_bytes().startswith(magic)
    county = map_section((pack / "index.html").read_text(encoding="utf-8"), "map-districts")
    assert len(re.findall(r'aria-label="[^"]*\((E0[67]\d{6})\): [\d,.]+ crimes per 1,000 residents"', county)) == 14


@pytest.mark.system
def test_suppressed_cells_show_as_suppressed_never_zero(pack):
    # Ribble Valley's pupils split by indicator leave denominators under 10 in some cells
    rows = list(csv.DictReader(open(pack / "data" / "profile-ribble-valley-e10-young-persons.csv", encoding="utf-8")))
    suppressed = [r for r in rows if r["suppressed"] == "True"]
    page = (pack / "profile-ribble-valley.html").read_text(encoding="utf-8")
    if suppressed:
        assert all(r["value"] == "" for r in suppressed) and 'class="suppressed">suppressed' in page
    small = list(csv.DictReader(open(pack / "data" / "index-e9-community-issues.csv", encoding="utf-8")))
    assert all(r["suppressed"] == "False" for r in small)  # the county has thousands of responses


@pytest.mark.browser
def test_every_page_renders_in_headless_chromium_with_the_network_refused(pack, tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "the test set-up (make test) installs Debian's chromium"
    failed, refused = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 1400})

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("requestfailed", lambda req: failed.append(req.url))
        page.goto("about:blank")
        blank = len(page.screenshot())
        for path in sorted(pack.glob("*.html")):
            page.goto(path.resolve().as_uri())
            headings = page.locator("h2").all_inner_texts()
            assert any(h.startswith("E1.") for h in headings) and any(h.startswith("E10.") for h in headings), path.name
            assert page.locator("svg").count() >= 8, path.name
            assert page.locator("#map-lsoas svg[role=img]").is_visible(), path.name  # every page has its map
            shot = tmp_path / f"{path.stem}.png"
            page.screenshot(path=str(shot))
            # a blank page of the same size compresses to a few kB; charts, tables and text do not
            assert shot.stat().st_size > 10 * blank, f"{path.name}: screenshot looks blank ({shot.stat().st_size} bytes)"
        browser.close()
    assert not failed and not refused, (failed, refused)


@pytest.mark.system
def test_the_data_dictionary_describes_every_table_and_column_of_the_demo_warehouse(demo, tmp_path):
    out = tmp_path / "dictionary.md"
    done = subprocess.run([CLI, "docs", "--out", str(out)], cwd=demo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    text = out.read_text(encoding="utf-8")
    url = f"duckdb:///{demo / 'var' / 'warehouse.duckdb'}"
    from tests.conftest import query
    from warehouse.marts import discover_marts

    tables = [t for (t,) in query(url, "select table_name from information_schema.tables where table_schema = current_schema()")]
    # the demo builds every mart there is a SQL file for
    assert {t for t in tables if t.startswith("mart_")} == set(discover_marts()) and len(discover_marts()) == 21
    assert all(f"## `{t}`" in text for t in tables) and "(no description)" not in text


def test_a_column_without_a_description_is_named(tmp_path):
    import sqlalchemy as sa

    from warehouse.dictionary import describe_warehouse, missing_descriptions
    from warehouse.engine import ensure_schema, open_engine

    engine = open_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("alter table fact_street_crime add column mystery text"))
        conn.execute(sa.text("create table mart_unheard_of as select 1 as crimes"))
    assert missing_descriptions(describe_warehouse(engine)) == ["mart_unheard_of", "fact_street_crime.mystery"]
