"""The Young Persons Survey end to end on generated waves, on DuckDB and PostgreSQL: row accounting,
each broken conditional rule quarantined under its name, reloads replacing a wave without
duplicates, free text never downstream of landing, and mart E10 against an independent pandas
computation from the raw files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.ingest_trading_standards import ingest_trading_standards
from tests.conftest import BACKENDS, assert_marts_identical, query
from tests.disclosure_attack import linked_system, recovered, young_persons_relations
from tests.integration.conftest import WAVES, load_backends
from tests.survey_fixtures import lancashire_dim, text_values_in_warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")


@pytest.fixture
def waves(survey_waves) -> list[Path]:
    return survey_waves


def raw_frame(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["source_row"] = range(1, len(frame) + 1)
    return frame


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, survey_waves, prefect_api) -> dict:
    """Each backend with reference and the three waves loaded."""
    backends = load_backends(tmp_path_factory, "waves",
                                  lambda where: ingest_trading_standards(source=str(survey_waves[0].parent), **where))
    yield backends
    backends.close()


@pytest.fixture(params=BACKENDS)
def backend(request, loaded):
    return loaded[request.param]


def test_every_row_is_accounted_for_in_the_load_log(backend, waves):
    log = query(backend["url"], "select period, rows_in, rows_curated, rows_quarantined, status from etl_load_log "
                                "where feed = 'trading_standards' order by period")
    assert [r[0] for r in log] == WAVES and all(r[4] == "loaded" for r in log)
    for (_, rows_in, curated, held, _), path in zip(log, waves):
        assert rows_in == len(raw_frame(path)) == curated + held and held > 0
    facts = dict(query(backend["url"], "select wave, count(*) from fact_young_persons_response group by wave"))
    assert facts == {r[0]: r[2] for r in log}


def test_broken_rules_are_quarantined_under_their_names(backend, waves):
    raw = raw_frame(waves[-1])
    held = dict(query(backend["url"], "select source_row, rule from quarantine_young_persons_response "
                                      "where file_wave = '2019-20'"))
    young = raw[~raw["age"].isin(["14", "15", "16", "17"])]
    units_no = raw[(raw["drinks_alcohol"] == "No") & (raw["units_per_week"] != "")]
    asked_no = raw[(raw["tried_to_buy_alcohol"] == "No") & (raw["asked_for_id"] != "")]
    assert len(young) and len(units_no) and len(asked_no)
    for frame, rule in [(young, "age_14_to_17"), (units_no, "units_only_for_drinkers"),
                        (asked_no, "asked_for_id_only_if_tried_to_buy")]:
        assert all(rule in held[r].split(";") for r in frame["source_row"]), rule
    assert all(rule for rule in held.values())


def test_reloading_a_wave_replaces_it_without_duplicates(backend, waves):
    before = query(backend["url"], "select wave, count(*), count(distinct response_id) from fact_young_persons_response "
                                   "group by wave order by wave")
    ingest_trading_standards(source=str(waves[-1]), **backend["where"])
    after = query(backend["url"], "select wave, count(*), count(distinct response_id) from fact_young_persons_response "
                                  "group by wave order by wave")
    assert after == before and all(n == d for _, n, d in after)
    (held,), = query(backend["url"], "select count(*) from quarantine_young_persons_response where file_wave = '2019-20'")
    assert held == len(raw_frame(waves[-1])) - before[-1][1]


def test_free_text_never_leaves_landing(backend, waves):
    free = {v for path in waves for v in raw_frame(path)["free_text"] if v}
    assert any("Example Street" in v for v in free)
    assert not text_values_in_warehouse(backend["url"], lambda v: v in free or "Example Street" in v)
    import pyarrow.parquet as pq

    for path in (Path(backend["where"]["workdir"]) / "lake").rglob("*.parquet"):
        assert "free_text" not in pq.read_schema(path).names


INDICATORS = {  # indicator -> (numerator test, denominator test) on the raw answers
    "drinks_alcohol": (lambda f: f.drinks_alcohol == "Yes", lambda f: f.index == f.index),
    "drinks_with_parents": (lambda f: f.drinks_with_parents == "Yes", lambda f: f.drinks_alcohol == "Yes"),
    "alcohol_from_family": (lambda f: f.alcohol_source.str.split(";").map(lambda s: bool({"Parents", "Other family"} & set(s))),
                            lambda f: f.drinks_alcohol == "Yes"),
    "asked_for_id": (lambda f: f.asked_for_id == "Yes", lambda f: (f.tried_to_buy_alcohol == "Yes") & (f.asked_for_id != "")),
    "vapes": (lambda f: f.vaping_status.isin(["Smoke occasionally", "Smoke regularly"]), lambda f: f.index == f.index),
    "carried_knife": (lambda f: f.carried_knife == "Yes", lambda f: f.carried_knife.isin(["Yes", "No"])),
    "knife_crime_issue_where_live": (lambda f: f.knife_crime_issue_where_live == "Yes",
                                     lambda f: f.knife_crime_issue_where_live.isin(["Yes", "No"])),
}


def test_indicators_match_pandas_on_the_raw_waves(backend, waves):
    held = {(w, r) for w, r in query(backend["url"], "select file_wave, source_row from quarantine_young_persons_response")}
    frames = []
    for wave, path in zip(WAVES, waves):
        frame = raw_frame(path)
        frames.append(frame[[(wave, r) not in held for r in frame["source_row"]]])
    raw = pd.concat(frames)
    types = lancashire_dim().to_pandas().drop_duplicates("authority_name").set_index("authority_name")["authority_type"]
    raw["l12"] = raw["district"].map(types) == "non-metropolitan district"
    mart = {r[:5]: r[5:] for r in query(backend["url"], "select wave, area_level, area_name, gender, indicator, numerator, "
                                                        "denominator, value, previous_wave_value, suppressed, suppression "
                                                        "from mart_young_persons_indicators")}
    checked = hidden = 0
    for (level, name, subset) in [("county", "Lancashire", raw), ("lancashire_12", "Lancashire-12", raw[raw["l12"]]),
                                  ("authority", "Preston", raw[raw["district"] == "Preston"]),
                                  ("authority", "Ribble Valley", raw[raw["district"] == "Ribble Valley"])]:
        for gender in ["All", "Female", "Male", "Other"]:
            people = subset if gender == "All" else subset[subset["gender"] == gender]
            for indicator, (num, den) in INDICATORS.items():
                previous = None
                for wave in WAVES:
                    f = people[people["wave"] == wave]
                    d = f[den(f)]
                    n = int(num(d).sum())
                    numerator, denominator, value, prev, suppressed, suppression = mart[(wave, level, name, gender, indicator)]
                    small = 1 <= len(d) <= 9 or (indicator != "mean_units_per_week" and 1 <= n <= 9)
                    key = (wave, level, name, gender, indicator)
                    assert (suppression == "primary") == small, key
                    if suppressed:
                        assert numerator is None and value is None, key
                        assert denominator in (None, len(d)), key
                        hidden += 1
                    elif len(d) == 0:
                        assert (numerator, denominator, value) == (0, 0, None), key
                    else:
                        assert (numerator, denominator) == (pytest.approx(n), len(d)) and value == pytest.approx(n / len(d))
                        checked += 1
                    assert prev == (pytest.approx(previous) if previous is not None else None)
                    previous = value
    assert hidden > 0
    units = raw[(raw["drinks_alcohol"] == "Yes") & (raw["units_per_week"] != "") & (raw["wave"] == "2019-20")]
    mean = mart[("2019-20", "county", "Lancashire", "All", "mean_units_per_week")]
    assert mean[1] == len(units) and mean[2] == pytest.approx(units["units_per_week"].astype(float).mean())
    assert checked > 100


def test_no_suppressed_indicator_can_be_recovered_by_differencing(backend):
    cells = {r[:5]: r[5:] for r in query(backend["url"], "select wave, area_level, area_name, gender, indicator, numerator, "
                                                         "denominator, suppression from mart_young_persons_indicators")}
    districts = dict(query(backend["url"], "select distinct authority_name, is_lancashire_12 from fact_young_persons_response"))
    relations = young_persons_relations(set(cells), districts)
    kinds = [v[2] for v in cells.values()]
    assert kinds.count("primary") > 0 and kinds.count("secondary") > 0
    for column in (0, 1):
        assert recovered({k: v[column] for k, v in cells.items()}, relations) == set()
    # nor through a drinkers' question, whose denominator is the drinks_alcohol numerator
    assert recovered(*linked_system(cells, relations)) == set()
    # the attack bites: without the secondary cells, hidden primary cells come back
    primary_only = {k: (None if v[2] == "primary" else 1) for k, v in cells.items()}
    assert recovered(primary_only, relations)


@pytest.mark.postgres
def test_the_indicators_are_identical_on_duckdb_and_postgres(loaded):
    assert "mart_young_persons_indicators" in assert_marts_identical(loaded["duckdb"]["url"], loaded["postgres"]["url"])


def test_a_file_with_the_wrong_header_is_rejected_whole_and_changes_nothing(backend, waves, tmp_path):
    lines = waves[-1].read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("carried_knife,", "pupil_name,")
    bad = tmp_path / "ts_young_persons_survey_2019-20.csv"
    bad.write_text("\n".join([header, *lines[1:]]) + "\n", encoding="utf-8")
    before = query(backend["url"], "select wave, count(*) from fact_young_persons_response group by wave order by wave")
    from tasks.report import FeedFailed

    with pytest.raises(FeedFailed, match=r"missing columns \['carried_knife'\]; unexpected columns \['pupil_name'\]"):
        ingest_trading_standards(source=str(bad), **backend["where"])
    assert query(backend["url"], "select wave, count(*) from fact_young_persons_response group by wave order by wave") == before
    (status, message), = query(backend["url"], "select status, message from etl_load_log where feed = 'trading_standards' "
                                               "and source_name = :n", n=str(bad))
    assert status == "rejected" and "pupil_name" in message
