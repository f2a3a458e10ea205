"""The Great Expectations project (gx/): a file data context holding every suite with its validation
definition and checkpoint, each run's results stored in it, and the project's levels as GX severities."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from flows.cli import main
from flows.ingest_recorded_crime import ingest_recorded_crime
from flows.ingest_reference import ingest_reference
from tasks import gx_project
from tasks.sample import SAMPLE_SOURCES
from tasks.settings import EXPECTATIONS_DIR
from tasks.validate import SEVERITY, load_suite_spec
from tests.conftest import SAMPLE_REFERENCE, query

SAMPLE_EXTRACT = str(SAMPLE_SOURCES["recorded_crime_source"])


def test_gx_holds_every_suite_with_its_validation_definition_and_checkpoint(tmp_path):
    context = gx_project.open_project(tmp_path / "results")
    suites = gx_project.suite_names()
    assert len(suites) == len(list(EXPECTATIONS_DIR.glob("*/*.json"))) > 30
    assert sorted(s.name for s in context.suites.all()) == suites  # read where they live: expectations/
    for name in suites:
        definition = context.validation_definitions.get(name)
        assert definition.suite.name == name and definition.asset.name == name
        (only,) = context.checkpoints.get(name).validation_definitions
        assert only.name == name


def test_each_level_is_stated_as_gx_severity_of_the_same_meaning(tmp_path):
    context = gx_project.open_project(tmp_path / "results")
    seen = set()
    for name in gx_project.suite_names():
        dataset, stage = name.split(".")
        spec = load_suite_spec(dataset, stage)
        for stored, ours in zip(context.suites.get(name).expectations, spec["expectations"]):
            assert stored.severity.value == SEVERITY[ours["meta"]["level"]]
            seen.add((ours["meta"]["level"], stored.severity.value))
    assert seen == {("file", "critical"), ("row", "warning"), ("warning", "info")}
    bad = json.loads((EXPECTATIONS_DIR / "age_bands" / "raw.json").read_text())
    bad["expectations"][0]["severity"] = "info"
    (tmp_path / "age_bands").mkdir()
    (tmp_path / "age_bands" / "raw.json").write_text(json.dumps(bad))
    from tasks import validate
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "EXPECTATIONS_DIR", tmp_path)
        load_suite_spec.cache_clear()
        with pytest.raises(ValueError, match="needs severity 'critical'"):
            load_suite_spec("age_bands", "raw")
    load_suite_spec.cache_clear()


def test_a_checkpoint_validates_a_file_by_hand_and_its_result_is_kept(tmp_path):
    results = tmp_path / "results"
    context = gx_project.open_project(results)
    frame = pd.read_csv(Path(SAMPLE_REFERENCE) / "age_bands.csv")
    run = context.checkpoints.get("age_bands.raw").run(batch_parameters={"dataframe": frame})
    assert run.success
    frame.loc[0, "label"] = None  # every band needs its label
    assert not context.checkpoints.get("age_bands.raw").run(batch_parameters={"dataframe": frame}).success
    assert [r["success"] for r in gx_project.history(results, "age_bands.raw")] == [True, False]


@pytest.mark.usefixtures("prefect_api")
def test_a_feed_run_stores_each_suites_result_under_its_run(tmp_path, capsys):
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    ingest_recorded_crime(source=SAMPLE_EXTRACT, months="2019-04", rebuild_marts=False, **where)
    text = zipfile.ZipFile(SAMPLE_EXTRACT).read("recorded_crime_2019-05.csv").decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    rows[5][header.index("victim_age")] = "140"  # victim_age_0_to_110: a row held back
    bad = tmp_path / "drop" / "recorded_crime_2019-05.csv"
    bad.parent.mkdir()
    with open(bad, "w", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    ingest_recorded_crime(source=str(bad.parent), rebuild_marts=False, **where)

    results = tmp_path / "var" / "gx" / "validations"
    runs = dict(query(where["warehouse_url"], "select period, run_id from etl_load_log where feed = 'recorded_crime'"))
    raw = gx_project.history(results, "recorded_crime.raw")
    assert [(r["run_id"], Path(r["batch"].split("!")[-1]).name) for r in raw] == [
        (runs["2019-04"], "recorded_crime_2019-04.csv"), (runs["2019-05"], "recorded_crime_2019-05.csv")]
    # the sample month's only failure is reported, no more; the doctored month also held a row back
    assert [(r["success"], r["failed"].get("critical", 0), r["failed"].get("warning", 0)) for r in raw] == [
        (not raw[0]["failed"], 0, 0), (False, 0, 1)]
    assert raw[1]["failed"].get("info", 0) == raw[0]["failed"].get("info", 0)
    assert gx_project.history(results, "recorded_crime.curated")
    assert gx_project.history(results, "dim_geography.curated")  # the reference run's suites too
    stored = "".join(p.read_text() for p in results.rglob("*.json"))
    assert '"unexpected_count"' in stored and '"140"' not in stored  # counts kept, the row's value not
    main(["gx", "history", "recorded_crime.raw", "--workdir", where["workdir"]])
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == 2 and "failed: " in shown[1] and "1 warning" in shown[1] and "recorded_crime_2019-05.csv" in shown[1]
    assert main(["gx", "docs", "--workdir", where["workdir"]]) == 0
    assert (tmp_path / "var" / "gx" / "data_docs" / "index.html").exists()
