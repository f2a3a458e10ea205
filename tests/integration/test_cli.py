"""The csp-pipeline command: --help stays light (no Prefect, GX or pandas import); the demo runs
the whole assessment on the bundled sample, says where everything is, leaves no personal data from
any input in the warehouse, the lake or the report; its evidence pack has sixteen self-contained
pages (county, 14 profiles, methods) under the assessment's headings, opening with key findings that
are recomputed here from the marts, with provenance, CSVs, charts and maps as SVG and PNG and a PDF
of every page; suppressed cells read suppressed; every page renders in headless Chromium with the
network refused, no console errors, and passes the accessibility checks; failures exit non-zero."""

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
    assert re.search(rf"report             16 pages in {re.escape(str(demo / 'var' / 'report'))}/\d{{4}}-\d\d-\d\d-[0-9a-f]{{8}} "
                     rf"\({re.escape(str(demo / 'var' / 'report' / 'latest'))} points at it\)", out)


@pytest.mark.system
def test_no_personal_data_from_any_input_reaches_the_warehouse_or_the_lake(demo):
    pii = sample_pii()
    assert len(pii) > 50_000
    url = f"duckdb:///{demo / 'var' / 'warehouse.duckdb'}"
    assert not text_values_in_warehouse(url, pii.__contains__)
    assert not text_values_in_lake(demo / "var" / "lake", pii.__contains__)
    report = "".join(p.read_text(encoding="utf-8") for p in (demo / "var" / "report" / "latest").rglob("*.*")
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


SECTIONS = ["Key findings", "Crime and harm", "Where harm concentrates", "Domestic abuse", "Hate crime",
            "Victims and offenders", "Effective investigation and outcomes", "Reoffending", "Community concerns",
            "Young people"]
TITLES = ["Recorded crime by year and category", "Share of crime count against share of harm",
          "All crime per 1,000 residents, ranked", "Hate crime by strand", "Victim and suspect age bands",
          "Proven reoffending rate", "Table 2: reoffenders", "Table 3: offence groups", "Community issues",
          "Young Persons Survey indicators", "Crime and deprivation", "Investigation outcomes"]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def pack(demo) -> Path:
    return demo / "var" / "report" / "latest"


def headings(html: str, level: int) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", html, flags=re.S)]


@pytest.mark.system
def test_sixteen_pages_under_the_assessments_headings_with_every_figure_and_its_provenance(pack):
    pages = sorted(p.name for p in pack.glob("*.html"))
    assert len(pages) == 16 and {"index.html", "methods.html", "profile-blackpool.html"} <= set(pages)
    county = (pack / "index.html").read_text(encoding="utf-8")
    assert headings(county, 2) == SECTIONS
    assert all(any(h.startswith(t) for h in headings(county, 3)) for t in TITLES), headings(county, 3)
    assert not re.search(r">E\d+\. ", county)  # no internal ids
    assert "SAMPLE-not-ONS-2026" in county and "Harm from the force extract" in county  # offence-coded weights, named
    assert re.search(r"Source: <code>mart_crime_trend</code> · financial years", county)
    assert county.count("<svg") >= 14
    profile = (pack / "profile-preston.html").read_text(encoding="utf-8")
    assert headings(profile, 2) == SECTIONS and "Preston" in headings(profile, 1)[0]
    methods = (pack / "methods.html").read_text(encoding="utf-8")
    for heading in ["Definitions and counting rules", "Intervals and tests", "Disclosure control", "Sources",
                    "The partnership's threat ranking"]:
        assert heading in headings(methods, 2), heading
    # provenance names files within their drop folder, never a path of the machine that built the pack
    assert "lancashire-street-2019-12_2020-03.zip!2019-12/2019-12-lancashire-street.csv" in methods
    for page in pack.glob("*.html"):
        assert str(REPO) not in page.read_text(encoding="utf-8") and "/tmp/" not in page.read_text(encoding="utf-8"), page.name


def findings_on(html: str) -> list[dict]:
    """The key findings of a page, as the page carries them."""
    found = re.findall(r'<li data-rule="([^"]*)" data-direction="([^"]*)" data-value="([^"]*)" data-significant="([^"]*)">'
                       r'(.*?)</li>', html, flags=re.S)
    return [{"rule": r, "direction": d, "value": float(v) if v else None, "significant": s, "text": t}
            for r, d, v, s, t in found]


@pytest.mark.system
def test_the_county_findings_are_recomputed_from_the_marts(pack, demo):
    from scipy.stats import binomtest

    from tests.conftest import query

    url = f"duckdb:///{demo / 'var' / 'warehouse.duckdb'}"
    found = findings_on((pack / "index.html").read_text(encoding="utf-8"))
    assert 5 <= len(found) <= 14
    tiers = [{"yes": 0, "untested": 1, "no": 2}[f["significant"]] for f in found]
    assert tiers == sorted(tiers) or all(f["value"] is None for f in found[tiers.index(2):])  # significant first
    by_rule = {f["rule"]: f for f in found}
    # all crime, Home Office tables (2018/19 and 2019/20 in the demo): direction, size and the exact conditional test
    (before, after, pop_before, pop_after), = query(
        url, "select sum(previous_crimes_comparable), sum(crimes_comparable), max(previous_population), max(population) "
             "from mart_crime_trend where source = 'ho_csp' and area_level = 'county' and crime_type <> 'Anti-social behaviour' "
             "and comparable_months is not null")
    change = next(f for f in found if f["rule"] == "crime_change" and "Home Office tables" in f["text"])
    per_resident = (after / pop_after) / (before / pop_before) - 1  # the test compares rates, residents as exposure
    assert change["direction"] == ("fall" if per_resident < 0 else "rise")
    assert change["value"] == pytest.approx(per_resident, rel=1e-4)
    p = binomtest(int(after), int(before + after), pop_after / (pop_before + pop_after)).pvalue
    assert change["significant"] == ("yes" if p < 0.05 else "no")
    # the spread of authorities' rates, the concentration of crime and the deprivation gradient
    rates = [r for (r,) in query(url, "select rate_per_1000 from mart_area_rates where source = 'police_uk' and "
                                      "measure = 'all_crime' and area_level = 'authority' and rank is not null")]
    assert by_rule["rate_range"]["value"] == pytest.approx(max(rates) / min(rates), rel=1e-4)
    (share,), = query(url, "select share from mart_lsoa_concentration where area_level = 'county' and measure = 'crime' "
                           "and top_percent = 5")
    assert by_rule["concentration"]["value"] == pytest.approx(share, rel=1e-4)
    deciles = dict(query(url, "select imd_decile, count / population from mart_deprivation_gradient where source = 'police_uk' "
                              "and measure = 'crime' and area_level = 'county' and imd_decile in (1, 10)"))
    gradient = next(f for f in found if f["rule"] == "deprivation" and "The crime rate" in f["text"])
    assert gradient["value"] == pytest.approx(deciles[1] / deciles[10], rel=1e-4)
    assert gradient["direction"] == "above" and gradient["significant"] == "yes"
    # reoffending: the force area's latest annual cohort from its counts, tested against the year before by a 2x2 chi-square
    from scipy.stats import chi2_contingency

    cohorts = query(url, "select reoffenders, offenders from mart_reoffending_rate where area_level = 'force_area' and "
                         "adult_juvenile = 'All' and period_type = 'annual' order by period_start desc limit 2")
    (x2, n2), (x1, n1) = cohorts
    assert by_rule["reoffending"]["value"] == pytest.approx(x2 / n2, rel=1e-4)
    p = chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False).pvalue
    assert by_rule["reoffending"]["significant"] == ("yes" if p < 0.05 else "no")
    # community concerns: the county's most named category, its share of responses
    (responses, total), = query(url, "select responses, total_responses from mart_community_issues where area_level = 'county' "
                                     "and row_type = 'category' order by responses desc limit 1")
    assert by_rule["community_concerns"]["value"] == pytest.approx(responses / total, rel=1e-4)
    # young people: the named indicator's latest county value is its numerator over its denominator
    young = by_rule["young_people"]
    named = re.search(r"the largest, ([a-z ]+), (?:rose|fell)", young["text"]).group(1).replace(" ", "_")
    (numerator, denominator), = query(url, "select numerator, denominator from mart_young_persons_indicators where "
                                           "area_level = 'county' and gender = 'All' and indicator = :i and wave = "
                                           "(select max(wave) from mart_young_persons_indicators)", i=named)
    assert young["value"] == pytest.approx(numerator / denominator, rel=1e-4) and young["significant"] == "yes"


@pytest.mark.system
def test_every_page_has_its_pdf(pack):
    for page in pack.glob("*.html"):
        pdf = pack / "pdf" / f"{page.stem}.pdf"
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000, page.name
        assert f'href="pdf/{page.stem}.pdf"' in page.read_text(encoding="utf-8")


@pytest.mark.system
def test_pages_ask_nothing_of_the_network(pack):
    for page in pack.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), page.name
        assert "<script" not in html and "@import" not in html


@pytest.mark.system
def test_every_figure_has_its_data_as_csv_with_the_mart_named(pack):
    index = (pack / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="(data/[^"]+\.csv)"', index))
    assert len(links) == 16  # every figure's table; the findings link to these
    for link in links:
        with open(pack / link, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and rows[0]["mart"].startswith("mart_"), link


def map_section(html: str, key: str) -> str:
    """The page's section of one map figure."""
    found = re.search(rf'<section[^>]* id="{key}"[^>]*>.*?</section>', html, flags=re.S)
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
    rows = list(csv.DictReader(open(pack / "data" / "profile-ribble-valley-young-persons.csv", encoding="utf-8")))
    suppressed = [r for r in rows if r["suppressed"] == "True"]
    page = (pack / "profile-ribble-valley.html").read_text(encoding="utf-8")
    if suppressed:
        assert all(r["value"] == "" for r in suppressed) and 'class="suppressed">suppressed' in page
    small = list(csv.DictReader(open(pack / "data" / "index-community-issues.csv", encoding="utf-8")))
    assert all(r["suppressed"] == "False" for r in small)  # the county has thousands of responses


ACCESSIBILITY = """() => {
  const problems = [];
  document.querySelectorAll('figure svg').forEach(s => {
    if (s.getAttribute('role') !== 'img' || !(s.getAttribute('aria-label') || '').trim()) problems.push('figure without a text alternative');
    if (!s.closest('section').querySelector('table')) problems.push('figure without its data table');
  });
  document.querySelectorAll('table').forEach(t => { if (!(t.querySelector('caption') || {}).textContent) problems.push('table without a caption'); });
  document.querySelectorAll('thead th').forEach(th => { if (th.getAttribute('scope') !== 'col') problems.push('header cell without scope'); });
  let last = 0;
  document.querySelectorAll('h1, h2, h3, h4, h5, h6').forEach(h => {
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push('heading ' + h.tagName + ' after h' + last + ': ' + h.textContent);
    last = level;
  });
  const luminance = c => {
    const [r, g, b] = c.match(/[0-9.]+/g).slice(0, 3).map(Number).map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0)')) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  document.querySelectorAll('p, li, td, th, caption, figcaption, a, span, h1, h2, h3, code, summary, nav').forEach(el => {
    if (!el.textContent.trim() || el.closest('svg')) return;
    const f = luminance(getComputedStyle(el).color), b = luminance(background(el));
    const ratio = (Math.max(f, b) + 0.05) / (Math.min(f, b) + 0.05);
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ' on ' + el.tagName + ': ' + el.textContent.slice(0, 40));
  });
  return [...new Set(problems)].slice(0, 20);
}"""


@pytest.mark.browser
def test_every_page_renders_accessibly_in_headless_chromium_with_the_network_refused(pack, tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "the test set-up (make test) installs Debian's chromium"
    failed, refused, errors = [], [], []
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
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto("about:blank")
        blank = len(page.screenshot())
        for path in sorted(pack.glob("*.html")):
            page.goto(path.resolve().as_uri())
            assert page.evaluate(ACCESSIBILITY) == [], path.name
            if path.stem != "methods":
                assert "Key findings" in page.locator("h2").all_inner_texts(), path.name
                assert page.locator("figure svg[role=img]").count() >= 10, path.name
                assert page.locator("#map-lsoas svg[role=img]").is_visible(), path.name  # every page has its map
            shot = tmp_path / f"{path.stem}.png"
            page.screenshot(path=str(shot))
            # a blank page of the same size compresses to a few kB; charts, tables and text do not
            assert shot.stat().st_size > 10 * blank, f"{path.name}: screenshot looks blank ({shot.stat().st_size} bytes)"
        browser.close()
    assert not failed and not refused and not errors, (failed, refused, errors)


@pytest.mark.system
def test_the_data_dictionary_describes_every_table_and_column_of_the_demo_warehouse(demo, tmp_path):
    out = tmp_path / "dictionary.md"
    done = subprocess.run([CLI, "docs", "--out", str(out)], cwd=demo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    text = out.read_text(encoding="utf-8")
    url = f"duckdb:///{demo / 'var' / 'warehouse.duckdb'}"
    from tests.conftest import query
    from warehouse.marts import discover_marts

    # the analysts' schema and its side schemas (quarantine, ops, staging); not the views' shapes
    tables = [t for (t,) in query(url, "select table_name from information_schema.tables where table_schema <> 'lake_shape'")]
    assert {"fact_street_crime", "quarantine_street_crime", "etl_load_log", "etl_stage_itk_response"} <= set(tables)
    assert "In the `quarantine` schema, which analysts cannot read." in text
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
