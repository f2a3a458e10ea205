"""The feeds, declared once: what each is called where, the flow that loads it, the tables it
writes. The CLI, strategic_assessment, the report's lineage and the prefect.yaml and dictionary
checks read this list; no other feed list is typed out anywhere (tests/unit/test_registry.py).

Importing it is cheap (no Prefect, no GX): `csp-pipeline --help` reads it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Feed:
    """One feed of the pipeline."""

    key: str                  # strategic_assessment's name for it, and its `<key>_source` parameter
    name: str                 # its name in etl_load_log and in the marts' `-- feeds:` headers
    command: str              # `csp-pipeline ingest <command>`
    flow: str                 # "module:function" of its Prefect flow, imported only when it runs
    summary: str              # one line for --help
    source_help: str          # what --source takes
    facts: tuple[str, ...]    # the tables it loads that carry lineage (source_sha256, run_id)
    quarantine: tuple[str, ...] = ()
    by_force: bool = False    # the flow takes `force`
    by_month: bool = False    # the flow takes `months`
    rebuilds_marts: bool = True  # the flow rebuilds the marts it changes (`rebuild_marts`)
    # "module:NAME" of its contract (tasks/feed.py): how its files are found, read, checked, conformed and
    # where they go; the tables it loads and their Arrow schemas, which the DDL must match (tests/unit/test_registry.py)
    contract: str = ""

    @property
    def source_parameter(self) -> str:
        """strategic_assessment's parameter for this feed's source."""
        return f"{self.key}_source"

    def load_contract(self):
        """The feed's contract (imports its stages)."""
        module, name = self.contract.split(":")
        return getattr(importlib.import_module(module), name)

    def load_flow(self):
        """The Prefect flow (imports Prefect and the feed's stages)."""
        module, function = self.flow.split(":")
        return getattr(importlib.import_module(module), function)


FEEDS: tuple[Feed, ...] = (
    Feed("reference", "reference", "reference", "flows.ingest_reference:ingest_reference",
         "ONS geography lookups and BCU grouping -> dim_geography",
         "folder of ONS lookup CSVs (data/sample/reference holds the Lancashire slice)",
         ("dim_geography", "ref_population", "ref_css_weights_policeuk", "ref_offence_classification",
          "ref_serious_violence_rules", "ref_age_bands", "ref_threat_ranking", "ref_outcome_groups", "ref_imd_domains", "ref_imd", "ref_imd_population",
          "ref_imd_score", "ref_boundary"), ("quarantine_reference",),
         rebuilds_marts=False, contract="tasks.reference.feed:REFERENCE"),
    Feed("police_uk", "police_uk_street", "police-uk", "flows.ingest_police_uk:ingest_police_uk",
         "data.police.uk street-level crime and ASB", "folder of *-street.csv (any depth), one file, or a .zip archive",
         ("fact_street_crime",), ("quarantine_street_crime",), by_force=True, by_month=True,
         contract="tasks.police_uk.feed:STREET"),
    Feed("recorded_crime", "recorded_crime", "recorded-crime", "flows.ingest_recorded_crime:ingest_recorded_crime",
         "the force's offence-coded crime extracts", "folder (any depth), file or .zip of recorded_crime_YYYY-MM.csv",
         ("fact_recorded_crime",), ("quarantine_recorded_crime",), by_force=True, by_month=True,
         contract="tasks.recorded_crime.feed:EXTRACT"),
    Feed("ho_csp", "ho_csp", "ho-csp", "flows.ingest_ho_csp:ingest_ho_csp",
         "Home Office recorded crime by Community Safety Partnership",
         "folder, file or .zip of the tables (xlsx, a sheet per year, or CSV)",
         ("fact_ho_csp_crime",), ("quarantine_ho_csp_crime",),
         contract="tasks.ho_csp.feed:HO_TABLES"),
    Feed("itk", "itk", "itk", "flows.ingest_itk:ingest_itk",
         "Lancashire Talking (In The Know) resident survey exports",
         "folder (any depth), file or .zip of itk_lancashire_talking_YYYYMMDD.csv",
         ("fact_itk_response", "fact_itk_response_issue"), ("quarantine_itk_response",), by_force=True,
         contract="tasks.itk.feed:EXPORTS"),
    Feed("trading_standards", "trading_standards", "trading-standards", "flows.ingest_trading_standards:ingest_trading_standards",
         "Trading Standards Young Persons Survey waves",
         "folder (any depth), file or .zip of ts_young_persons_survey_YYYY-YY.csv",
         ("fact_young_persons_response",), ("quarantine_young_persons_response",), by_force=True,
         contract="tasks.young_persons.feed:WAVES"),
    Feed("moj_reoffending", "moj_reoffending", "moj-reoffending", "flows.ingest_moj_reoffending:ingest_moj_reoffending",
         "MoJ proven reoffending tables (overview, geographical tool, national series)",
         "folder, file or .zip of the tables, CSV or xlsx",
         ("fact_moj_reoffending", "fact_moj_reoffending_series"), ("quarantine_moj_reoffending",),
         contract="tasks.reoffending.moj_feed:TABLES_FEED"),
    Feed("reoffending_cohort", "reoffending_cohort", "reoffending-cohort",
         "flows.ingest_reoffending_cohort:ingest_reoffending_cohort", "the local reoffender cohort extracts",
         "folder (any depth), file or .zip of reoffending_cohort_YYYY-MM.csv",
         ("fact_reoffending_cohort", "fact_reoffence"), ("quarantine_reoffending_cohort",), by_force=True,
         contract="tasks.reoffending.cohort_feed:COHORTS"),
)

BY_KEY = {f.key: f for f in FEEDS}
BY_NAME = {f.name: f for f in FEEDS}
BY_COMMAND = {f.command: f for f in FEEDS}
