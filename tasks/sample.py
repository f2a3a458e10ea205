"""The bundled sample (data/sample/, see its PROVENANCE.md): what `csp-pipeline demo` and the tests run on.

Only the demo command reaches these paths. A flow or deployment never falls back to them: a real
warehouse must never receive generated records because a source parameter was left empty.
"""

from __future__ import annotations

from tasks.settings import SAMPLE_DIR

# strategic_assessment's source parameter -> the bundled file or folder for it.
SAMPLE_SOURCES = {
    "reference_source": SAMPLE_DIR / "reference",
    "police_uk_source": SAMPLE_DIR / "police_uk" / "lancashire-street-2019-12_2020-03.zip",
    "recorded_crime_source": SAMPLE_DIR / "recorded_crime" / "recorded_crime_2019-04_2020-03_GENERATED.zip",
    "ho_csp_source": SAMPLE_DIR / "ho_csp",
    "itk_source": SAMPLE_DIR / "itk" / "itk_lancashire_talking_2020_GENERATED.zip",
    "trading_standards_source": SAMPLE_DIR / "trading_standards" / "ts_young_persons_survey_GENERATED.zip",
    "moj_reoffending_source": SAMPLE_DIR / "moj_reoffending",
    "reoffending_cohort_source": SAMPLE_DIR / "reoffending_cohort" / "reoffending_cohort_2019-20_GENERATED.zip",
}


def sample_sources() -> dict[str, str]:
    """strategic_assessment's source parameters, each pointing at the bundled sample."""
    return {name: str(path) for name, path in SAMPLE_SOURCES.items()}
