"""What the command prints at the end: totals, failures, and where the warehouse, lake and logs are."""

from __future__ import annotations

from pathlib import Path

from tasks.settings import get_settings


def print_failure(exc: BaseException, log_path: Path) -> None:
    """The failure summary, and where the full log is."""
    print("\nFAILED")
    print(str(exc))
    print(f"\nfull log: {log_path}")


def print_summary(command: str, result, where: dict, log_path: Path) -> None:
    """A short summary of a finished run."""
    settings = get_settings(**where)
    print("\nDone.")
    for name, part in (result.items() if isinstance(result, dict) and "feed" not in result else [("", result)]):
        if isinstance(part, dict) and "totals" in part:
            t = part["totals"]
            print(f"  {part['feed']:<18} {t['files_loaded']} file(s) loaded, {t['rows_in']:,} rows in = "
                  f"{t['rows_curated']:,} curated + {t['rows_quarantined']:,} quarantined"
                  + (f"; {t['files_unchanged']} unchanged, skipped" if t.get("files_unchanged") else ""))
        elif isinstance(part, dict) and "out" in part:
            print(f"  report             {len(part.get('built') or part.get('pages'))} pages in {part['out']}"
                  + (f" ({part['latest']} points at it)" if part.get("latest") else ""))
        elif isinstance(part, dict) and "built" in part:
            print(f"  marts              {', '.join(part['built'])}")
        elif isinstance(part, list):
            print(f"  marts              {', '.join(part)}")
    if command == "demo" or command == "run":
        _print_warehouse_counts(settings.warehouse)
    print(f"  warehouse  {settings.warehouse_display}")
    print(f"  lake       {settings.lake.resolve()}")
    print(f"  landing    {settings.landing.resolve()}")
    print(f"  logs       {log_path.resolve()}")


def _print_warehouse_counts(url: str) -> None:
    import sqlalchemy as sa

    from warehouse.engine import open_engine

    with open_engine(url).connect() as conn:
        marts = [r[0] for r in conn.execute(sa.text(
            "select table_name from information_schema.tables where table_schema = current_schema() "
            "and table_name like 'mart%' order by table_name"))]
        for table in ["dim_geography", "fact_street_crime", "quarantine_street_crime", "fact_recorded_crime", "fact_ho_csp_crime",
                      "quarantine_recorded_crime", "fact_itk_response", "fact_itk_response_issue",
                      "fact_young_persons_response", "fact_moj_reoffending", "fact_moj_reoffending_series",
                      "fact_reoffending_cohort", "etl_load_log", *marts]:
            count = conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()
            print(f"  {table:<30} {count:>10,} rows")
