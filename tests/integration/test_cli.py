"""The csp-pipeline command: --help stays light (no Prefect, GX or pandas import), the demo runs
the whole assessment on the bundled sample, says where everything is and leaves no personal data
from any input in the warehouse or the lake; failures exit non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.survey_fixtures import sample_pii, text_values_in_lake, text_values_in_warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")
CLI = str(Path(sys.executable).parent / "csp-pipeline")  # the venv running the tests


def run_cli(*args, cwd, **env):
    from prefect.settings import PREFECT_API_URL

    full_env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), **env}
    return subprocess.run([CLI, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


def test_help_imports_nothing_heavy():
    code = ("import sys, flows.cli; flows.cli.build_parser(); "
            "print(sorted(m for m in ('prefect', 'great_expectations', 'pandas', 'pyarrow', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    help_text = subprocess.run([CLI, "ingest", "police-uk", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--source", "--force", "--months", "--fetch-month", "--warehouse-url", "--workdir", "--lake-dir"):
        assert option in help_text


def test_demo_runs_the_assessment_and_says_where_things_are(tmp_path):
    done = run_cli("demo", cwd=tmp_path, PREFECT_LOGGING_LEVEL="INFO")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "64,338 rows in = 64,338 curated + 0 quarantined" in out
    assert "fact_street_crime" in out and "64,338 rows" in out
    assert f"duckdb:///{tmp_path / 'var' / 'warehouse.duckdb'}" in out
    assert "ingest_police_uk" in (tmp_path / "var" / "logs" / "csp-pipeline.log").read_text()
    assert (tmp_path / "var" / "lake" / "curated" / "police_uk_street" / "force=lancashire" / "month=2020-03" / "data.parquet").exists()
    assert "itk" in out and "50,145 rows in" in out and "fact_itk_response" in out
    assert "trading_standards" in out and "15,000 rows in" in out and "mart_young_persons_indicators" in out
    assert "moj_reoffending" in out and "1,774 rows in = 1,774 curated" in out and "mart_reoffending_rate" in out
    assert "reoffending_cohort" in out and "10,000 rows in" in out and "mart_reoffender_profile" in out
    # nothing personal from any bundled input, anywhere downstream of landing
    pii = sample_pii()
    assert len(pii) > 50_000
    url = f"duckdb:///{tmp_path / 'var' / 'warehouse.duckdb'}"
    assert not text_values_in_warehouse(url, pii.__contains__)
    assert not text_values_in_lake(tmp_path / "var" / "lake", pii.__contains__)


def test_environment_settings_apply_and_a_bad_source_exits_non_zero(tmp_path):
    lake = tmp_path / "elsewhere"
    done = run_cli("ingest", "reference", cwd=tmp_path, CSP_LAKE_DIR=str(lake), CSP_WORKDIR=str(tmp_path / "wd"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (lake / "curated" / "dim_geography" / "data.parquet").exists()
    assert (tmp_path / "wd" / "warehouse.duckdb").exists()
    bad = run_cli("ingest", "police-uk", "--source", str(tmp_path / "nope"), "--workdir", str(tmp_path / "wd"),
                  cwd=tmp_path, CSP_LAKE_DIR=str(lake))
    assert bad.returncode == 1 and "source not found" in bad.stdout
