"""Warehouses loaded once per session with the generated survey inputs, shared by the survey test modules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, SAMPLE_REFERENCE, make_warehouse
from tests.survey_fixtures import generator_wards

ITK_DATES = [dt.date(2019, 12, 31), dt.date(2020, 1, 31), dt.date(2020, 3, 31)]
WAVES = ["2015-16", "2017-18", "2019-20"]


@pytest.fixture(scope="session")
def itk_exports(tmp_path_factory) -> list[Path]:
    """Three cumulative exports of 3,000 responses by the last, 1% of rows broken, some edited later."""
    from synth.itk import generate_exports

    return generate_exports(tmp_path_factory.mktemp("exports"), ITK_DATES, 3000, generator_wards(), seed=11, bad_rate=0.01)


@pytest.fixture(scope="session")
def survey_waves(tmp_path_factory) -> list[Path]:
    """Three waves of 1,500 pupils, 2% of rows with one rule broken."""
    from synth.young_persons import district_populations, generate_waves

    return generate_waves(tmp_path_factory.mktemp("waves"), WAVES, 1500,
                          district_populations(generator_wards()), seed=21, bad_rate=0.02)


class Lazy(dict):
    """{backend: make(backend)}, each made on first use, so a run without PostgreSQL (-m "not postgres")
    never touches it; `close()` runs the cleanups of those made."""

    def __init__(self, make):
        super().__init__()
        self.make, self.cleanups = make, []

    def __missing__(self, backend: str):
        value, cleanup = self.make(backend)
        self.cleanups.append(cleanup)
        self[backend] = value
        return value

    def close(self) -> None:
        for cleanup in self.cleanups:
            cleanup()


def load_backends(tmp_path_factory, name: str, load) -> Lazy:
    """{backend: {url, where, result}}: a new warehouse with the sample reference and `load(where)`, made on first use."""
    from flows.ingest_reference import ingest_reference

    def make(backend: str):
        folder = tmp_path_factory.mktemp(f"{name}-{backend}")
        url, cleanup = make_warehouse(backend, folder)
        where = dict(workdir=str(folder / "var"), warehouse_url=url)
        ingest_reference(source=SAMPLE_REFERENCE, **where)
        return {"url": url, "where": where, "result": load(where)}, cleanup

    return Lazy(make)


@pytest.fixture(scope="session")
def cohort_extracts(tmp_path_factory) -> list[Path]:
    """A year of quarterly cohort extracts (Apr 2019 to Jan 2020), 800 offenders each, 2% broken."""
    from synth.reoffending import generate_cohorts
    from synth.young_persons import district_populations

    return generate_cohorts(tmp_path_factory.mktemp("cohorts"), dt.date(2019, 4, 1), 4, 800,
                            district_populations(generator_wards()), seed=31, bad_rate=0.02)


@pytest.fixture(scope="session")
def reoffending_loaded(tmp_path_factory, cohort_extracts, prefect_api):
    """Each backend with reference, the bundled MoJ tables and the generated cohort year loaded."""
    from flows.ingest_moj_reoffending import ingest_moj_reoffending
    from flows.ingest_reoffending_cohort import ingest_reoffending_cohort

    backends = load_backends(tmp_path_factory, "reoffending", lambda where: {
        "moj": ingest_moj_reoffending(source=str(SAMPLE / "moj_reoffending"), **where),
        "cohort": ingest_reoffending_cohort(source=str(cohort_extracts[0].parent), **where)})
    yield backends
    backends.close()
