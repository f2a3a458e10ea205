"""Reference geography: the bundled Lancashire slice, the national ONS files as published
(newest vintage chosen, BCU grouping from config), and a source missing a layout."""

from __future__ import annotations

import shutil

import pytest

from flows.ingest_police_uk import ingest_police_uk
from flows.ingest_reference import ingest_reference
from tasks.report import FeedFailed
from tests.conftest import SAMPLE, SAMPLE_REFERENCE, SAMPLE_ZIP, query

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_the_bundled_slice_gives_lancashire_941_lsoas_285_wards_3_bcus(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = ingest_reference(source=SAMPLE_REFERENCE, workdir=str(tmp_path / "var"), warehouse_url=url)
    assert {f["feed"] for f in result["files"] if f["status"] == "loaded"} == {
        "ons_lsoa_ward_lad", "ons_lad_csp_pfa", "bcu_grouping", "police_forces", "ons_population",
        "css_weights_policeuk", "offence_classification", "serious_violence_rules", "threat_ranking", "age_bands", "outcome_groups",
        "imd_index", "imd_domains", "imd_population", "imd_score", "boundary_lad22", "boundary_wd22", "boundary_lsoa11"}
    (lsoas, wards, authorities, csps, bcus), = query(
        url, "select count(*), count(distinct ward_code), count(distinct authority_code), "
             "count(distinct csp_code), count(distinct bcu) from dim_geography where force = 'lancashire'")
    assert (lsoas, wards, authorities, csps, bcus) == (941, 285, 14, 14, 3)
    by_bcu = dict(query(url, "select bcu, count(distinct authority_name) from dim_geography group by bcu"))
    assert by_bcu == {"West": 4, "East": 6, "South": 4}
    assert query(url, "select distinct geography_vintage from dim_geography") == [("LSOA11/WD19/LAD19+CSP19/PFA19",)]
    # the Dec 2019 CSP lookup lists BCP against several CSPs: quarantined, not guessed
    assert ("ons_lad_csp_pfa", "authority_code_unique") in query(url, "select distinct feed, rule from quarantine_reference")
    for _, rows_in, curated, quarantined in query(url, "select feed, rows_in, rows_curated, rows_quarantined from etl_load_log"):
        assert rows_in == curated + quarantined


@pytest.mark.national
def test_national_files_as_ons_publishes_them_pick_the_newest_vintage(tmp_path, national_lookups):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
    result = ingest_reference(source=str(national_lookups), **where)
    assert any("using 135.csv (LSOA11/WD19/LAD19), not 168.csv" in n for n in result["notes"])
    assert query(url, "select count(*) from dim_geography") == [(34753,)]
    assert query(url, "select count(*) from dim_geography where force = 'lancashire'") == [(941,)]
    assert query(url, "select count(distinct force) from dim_geography") == [(43,)]
    assert query(url, "select count(*) from dim_geography where bcu is not null and force <> 'lancashire'") == [(0,)]
    # with national geography, out-of-area street rows get their real authority
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2019-12", **where)
    (out, named), = query(url, "select count(*), count(authority_name) from fact_street_crime where out_of_area")
    assert out == 24 and named == out


def test_a_source_without_a_lookup_layout_fails_saying_which(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(SAMPLE / "reference" / "LAD19_CSP19_PFA19_EW_LU.csv", source)
    (source / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(FeedFailed, match="ons_lsoa_ward_lad"):
        ingest_reference(source=str(source), workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")


def test_a_user_supplied_weights_file_replaces_the_sample(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("LSOA11_WD19_LAD19_EW_LU_lancashire.csv", "LAD19_CSP19_PFA19_EW_LU.csv"):
        shutil.copy(SAMPLE / "reference" / name, source)
    sample = (SAMPLE / "reference" / "offence_classification_SAMPLE.csv").read_text()
    (source / "css_weights_2025.csv").write_text(sample.replace("SAMPLE-not-ONS-2026", "ONS-CSS-2025"))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    ingest_reference(source=str(source), workdir=str(tmp_path / "var"), warehouse_url=url)
    assert query(url, "select distinct weights_version from ref_offence_classification") == [("ONS-CSS-2025",)]
    assert query(url, "select count(*) from ref_population") == [(6587,)]  # the rest came from the configured folder


def test_the_indices_of_deprivation_load_as_published_for_all_of_england(tmp_path):
    """IoD2019 Files 1, 2 and 6 (UTF-8 with a BOM, CRLF, ranks and counts quoted with thousands
    separators, gzip-compressed) and mySociety's IMD score, checked against pandas reading the same files."""
    import pandas as pd

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    ingest_reference(source=SAMPLE_REFERENCE, workdir=str(tmp_path / "var"), warehouse_url=url)
    folder = SAMPLE / "reference"
    file1 = pd.read_csv(folder / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", thousands=",")
    loaded = dict(query(url, "select lsoa_code, imd_rank from ref_imd"))
    assert len(loaded) == len(file1) == 32_844
    assert loaded == dict(zip(file1["LSOA code (2011)"], file1["Index of Multiple Deprivation (IMD) Rank"]))
    file6 = pd.read_csv(folder / "File_6_-_IoD2019_Population_Denominators.csv.gz", thousands=",")
    assert query(url, "select sum(population), sum(working_age) from ref_imd_population") == [(
        int(file6["Total population: mid 2015 (excluding prisoners)"].sum()),
        int(file6.iloc[:, 8].sum()))]
    # Blackpool 013A: the 5th most deprived LSOA in England and the 3rd on Crime (its row in File 2 reads
    # 5,1,93,1,40,1,123,1,28,1,3,1,19658,6,...: 19,658 is its Barriers rank, not its Crime rank); score from mySociety
    assert query(url, "select i.imd_rank, i.imd_decile, d.crime_rank, d.crime_decile, s.imd_score from ref_imd i "
                      "join ref_imd_domains d using (lsoa_code) join ref_imd_score s using (lsoa_code) "
                      "where lsoa_code = 'E01012671'") == [(5, 1, 3, 1, 88.026)]
    # every Lancashire LSOA of the geography has its deprivation
    assert query(url, "select count(*) from dim_geography g left join ref_imd i using (lsoa_code) "
                      "where g.force = 'lancashire' and i.imd_decile is null") == [(0,)]
    traced = query(url, "select l.feed, l.rows_in, l.rows_curated, count(*) from ref_imd_score s "
                        "join etl_load_log l using (load_id) group by 1, 2, 3")
    assert traced == [("imd_score", 42_619, 42_619, 42_619)]


def test_boundaries_load_as_geojson_text_in_their_own_crs(tmp_path):
    """Districts (GeoJSON, lon/lat), wards (GeoPackage, British National Grid) and LSOAs (GeoJSON in Web
    Mercator metres with no crs member): every area, its geometry checked against what the files say
    without this loader (the GeoJSON as parsed by json, the GeoPackage's own R-tree of extents)."""
    import json
    import sqlite3

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    ingest_reference(source=SAMPLE_REFERENCE, workdir=str(tmp_path / "var"), warehouse_url=url)
    layers = dict(((layer, crs), n) for layer, crs, n in query(
        url, "select layer, crs, count(*) from ref_boundary group by 1, 2"))
    assert layers == {("boundary_lad22", "OGC:CRS84"): 14, ("boundary_wd22", "EPSG:27700"): 271,
                      ("boundary_lsoa11", "EPSG:3857"): 4497}
    # the districts are the geography's 14 authorities; every Lancashire LSOA has its shape
    assert {c for (c,) in query(url, "select area_code from ref_boundary where layer = 'boundary_lad22'")} == \
        {c for (c,) in query(url, "select distinct authority_code from dim_geography where force = 'lancashire'")}
    assert query(url, "select count(*) from dim_geography g left join ref_boundary b on b.area_code = g.lsoa_code "
                      "and b.layer = 'boundary_lsoa11' where g.force = 'lancashire' and b.area_code is null") == [(0,)]
    # 2022 wards are not the lookups' 2019 wards: kept apart, never joined
    wards_2019 = {c for (c,) in query(url, "select distinct ward_code from dim_geography where force = 'lancashire'")}
    wards_2022 = {c for (c,) in query(url, "select area_code from ref_boundary where layer = 'boundary_wd22'")}
    assert len(wards_2019) == 285 and len(wards_2022) == 271 and wards_2019 != wards_2022
    stored = dict(query(url, "select area_code, geometry_geojson from ref_boundary"))
    lsoas = json.loads((SAMPLE / "reference" / "lsoa_clean_shapefiles_2011_north_west_crs3857.json").read_text())
    for feature in lsoas["features"][::500]:
        assert json.loads(stored[feature["properties"]["lsoa11cd"]]) == feature["geometry"]
    with sqlite3.connect(SAMPLE / "reference" / "lancashire_wards.gpkg") as db:
        extents = db.execute("select w.ward_code, r.minx, r.maxx, r.miny, r.maxy from lancashire_wards w "
                             "join rtree_lancashire_wards_geom r on r.id = w.fid").fetchall()
    for code, minx, maxx, miny, maxy in extents:
        polygons = json.loads(stored[code])["coordinates"]
        xs = [x for polygon in polygons for ring in polygon for x, _ in ring]
        ys = [y for polygon in polygons for ring in polygon for _, y in ring]
        # the R-tree holds float32 bounds rounded outwards
        assert minx - 1 <= min(xs) <= minx + 1 and maxx - 1 <= max(xs) <= maxx + 1, code
        assert miny - 1 <= min(ys) <= miny + 1 and maxy - 1 <= max(ys) <= maxy + 1, code
