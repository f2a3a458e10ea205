"""The csp-pipeline command. Heavy imports (Prefect, GX, pandas) wait until a command runs, so --help is instant."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from tasks.registry import BY_COMMAND, FEEDS
from tasks.releases import FEED_PUBLICATIONS


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("where (override CSP_* environment variables)")
    group.add_argument("--workdir", help="landing, lake, logs and the default warehouse (CSP_WORKDIR, default ./var)")
    group.add_argument("--lake-dir", help="curated and quarantine Parquet (CSP_LAKE_DIR, default $CSP_WORKDIR/lake)")
    group.add_argument("--warehouse-url", help="SQLAlchemy URL (CSP_WAREHOUSE_URL): duckdb:///path or postgresql+psycopg://...")
    return common


def build_parser() -> argparse.ArgumentParser:
    """All commands and options."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="csp-pipeline",
        description="Data pipeline for a Community Safety Partnership's Strategic Assessment.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="load one feed").add_subparsers(dest="feed", required=True)
    for feed in FEEDS:
        command = ingest.add_parser(feed.command, parents=[common], help=feed.summary)
        if feed.key == "police_uk":  # police.uk can also be fetched from data.police.uk
            from_where = command.add_mutually_exclusive_group(required=True)
            from_where.add_argument("--source", help=feed.source_help)
            from_where.add_argument("--fetch-month", help="download this month's archive (YYYY-MM or 'latest') from "
                                    "data.police.uk first")
            command.add_argument("--incremental", action="store_true",
                                 help="process only files new or changed since their month's last load (by content hash)")
        elif feed.key in FEED_PUBLICATIONS:  # a public release: saved by hand, or fetched from gov.uk / ONS
            from_where = command.add_mutually_exclusive_group(required=True)
            from_where.add_argument("--source", help=feed.source_help)
            from_where.add_argument("--fetch", dest="fetch_release", action="store_true",
                                    help="download the newest published release first (nothing new: nothing loaded)")
        else:
            command.add_argument("--source", required=True, help=feed.source_help)
        if feed.by_force:
            command.add_argument("--force", default="lancashire", help="police.uk slug of the force (default lancashire)"
                                 + (", or 'all' for every force in the source (load their geography first)"
                                    if feed.key == "police_uk" else ""))
        if feed.by_month:
            command.add_argument("--months", help="YYYY-MM or YYYY-MM:YYYY-MM, inclusive (default: every month in the source)")

    sub.add_parser("build-marts", parents=[common], help="rebuild every mart from the warehouse tables")
    rep = sub.add_parser("report", parents=[common], help="build the evidence pack (county page, 14 local profiles) from the marts")
    rep.add_argument("--out", help="folder to write (default $CSP_WORKDIR/report)")
    rep.add_argument("--force", help="police.uk slug of the partnership's force (default: the setting CSP_FORCE, lancashire)")
    docs = sub.add_parser("docs", parents=[common], help="write the data dictionary of the warehouse (every table and column)")
    docs.add_argument("--out", help="Markdown file to write (default $CSP_WORKDIR/data_dictionary.md)")
    roles = sub.add_parser("roles", parents=[common], help="PostgreSQL, as an administrator: create the loader and "
                           "analyst roles and grant them the warehouse schema (see warehouse/roles.py)")
    roles.add_argument("--loader", default="csp_loader", help="role the pipeline connects as (default csp_loader)")
    roles.add_argument("--analyst", default="csp_analyst", help="role analysts connect as (default csp_analyst)")
    run = sub.add_parser("run", parents=[common], help="run the strategic_assessment flow (reference, feeds, marts)")
    for feed in FEEDS:
        run.add_argument(f"--{feed.source_parameter.replace('_', '-')}", help=feed.source_help)
    run.add_argument("--feeds", help=f"comma-separated feeds to load (default all: {', '.join(f.key for f in FEEDS)}); "
                     "each needs its --<feed>-source")
    run.add_argument("--force", default="lancashire")
    run.add_argument("--months")
    sub.add_parser("demo", parents=[common], help="run strategic_assessment on the bundled sample into ./var and summarise")
    ops = sub.add_parser("ops", help="set up the Prefect server (PREFECT_API_URL) for operations").add_subparsers(
        dest="ops_command", required=True)
    apply = ops.add_parser("apply", parents=[common], help="create or update the alerts, follow-on runs and the "
                           "warehouse-writes limit of ops/operations.yaml (after `prefect deploy --all`; idempotent)")
    apply.add_argument("--webhook-url", help="where alerts are posted (default: the environment variable the file names, "
                       "CSP_ALERT_WEBHOOK_URL)")
    gx = sub.add_parser("gx", parents=[common], help="the Great Expectations project (gx/): definitions, stored results, Data Docs")
    gx.add_argument("action", choices=["sync", "history", "docs"], help="sync: a validation definition and checkpoint "
                    "for every suite of expectations/; history SUITE: its stored results; docs: build Data Docs of them")
    gx.add_argument("suite", nargs="?", help="for history: a suite, as <dataset>.<stage> (police_uk_street.raw)")
    return parser


def _where(args) -> dict:
    return {"workdir": args.workdir, "lake_dir": args.lake_dir, "warehouse_url": args.warehouse_url}


def _log_to_file(args) -> Path:
    """Everything Prefect logs also goes to <workdir>/logs/csp-pipeline.log."""
    from prefect.logging.configuration import setup_logging

    from tasks.settings import get_settings

    setup_logging()  # Prefect's console handler sits on the root logger; ours goes beside it

    logs = get_settings(**_where(args)).logs
    logs.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(logs / "csp-pipeline.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    return logs / "csp-pipeline.log"


def _run(args) -> object:
    if args.command == "ingest":
        feed = BY_COMMAND[args.feed]
        flow = feed.load_flow()
        options = {name: getattr(args, name) for name in ("force", "months", "fetch_month", "incremental", "fetch_release") if hasattr(args, name)}
        return flow(source=args.source, **options, **_where(args))
    if args.command == "build-marts":
        from flows.marts import build_marts_flow

        return build_marts_flow(**_where(args))
    if args.command == "report":
        from flows.report import build_report

        return build_report(out=args.out, force=args.force, **_where(args))
    from flows.strategic_assessment import strategic_assessment

    if args.command == "run":
        sources = {f.source_parameter: getattr(args, f.source_parameter) for f in FEEDS}
        return strategic_assessment(**sources, feeds=args.feeds.split(",") if args.feeds else None,
                                    force=args.force, months=args.months, **_where(args))
    from tasks.sample import sample_sources

    return strategic_assessment(**sample_sources(), **_where(args))  # demo: the only way to the bundled sample


def write_docs(args) -> int:
    """The data dictionary from the warehouse (no Prefect run: it only reads); exit 1 when anything is undescribed."""
    from tasks.settings import get_settings
    from warehouse.dictionary import describe_warehouse, missing_descriptions, render_markdown
    from warehouse.engine import ensure_schema, open_engine

    settings = get_settings(**_where(args))
    engine = open_engine(settings.warehouse)
    ensure_schema(engine)
    tables = describe_warehouse(engine)
    out = Path(args.out) if args.out else settings.workdir / "data_dictionary.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(tables), encoding="utf-8")
    gaps = missing_descriptions(tables)
    print(f"data dictionary: {len(tables)} tables, {sum(len(t.columns) for t in tables)} columns -> {out}")
    if gaps:
        print("no description for: " + ", ".join(gaps))
        return 1
    return 0


def setup_roles(args) -> int:
    """Create the warehouse's tables, then the loader and analyst roles and their grants (no Prefect run)."""
    from tasks.settings import get_settings
    from warehouse import roles
    from warehouse.engine import ensure_schema, open_engine

    settings = get_settings(**_where(args))
    engine = open_engine(settings.warehouse)
    if engine.dialect.name != "postgresql":
        print(f"roles are for a PostgreSQL warehouse; {settings.warehouse_display} is not one")
        return 1
    done = ensure_schema(engine)  # a warehouse an earlier version made is brought up to date first
    with engine.begin() as conn:
        done += roles.setup_roles(conn, args.loader, args.analyst)
    print("\n".join(done))
    return 0


def apply_operations(args) -> int:
    """ops apply: the operations file onto the Prefect server; exit 1, saying why, when it cannot."""
    from flows.ops import OpsError, apply
    from tasks.settings import get_settings

    try:
        done = apply(get_settings(**_where(args)), args.webhook_url)
    except OpsError as exc:
        print(f"ops apply: {exc}")
        return 1
    print("\n".join(done))
    return 0


def great_expectations(args) -> int:
    """The gx/ project: sync its definitions, or show the results the runs stored (no Prefect run)."""
    from tasks import gx_project
    from tasks.settings import get_settings

    results = get_settings(**_where(args)).gx_results
    if args.action == "sync":
        done = gx_project.sync_project()
        print("\n".join(done) or "gx/ already holds a validation definition and a checkpoint for every suite")
    elif args.action == "history":
        if args.suite not in gx_project.suite_names():
            print(f"no suite {args.suite!r}; suites: {', '.join(gx_project.suite_names())}")
            return 1
        for row in gx_project.history(results, args.suite):
            failed = ", ".join(f"{n} {severity}" for severity, n in sorted(row["failed"].items()))
            print(f"{row['time']}  run {row['run_id']}  {'passed' if row['success'] else 'failed: ' + failed}  {row['batch']}")
    else:
        context = gx_project.open_project(results)
        context.build_data_docs()
        print(f"Data Docs: {(results.parent / 'data_docs' / 'index.html').resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the command, print its outcome, exit 1 when any feed failed."""
    args = build_parser().parse_args(argv)
    if args.warehouse_url:
        # Into the environment, not the flow parameters: Prefect keeps parameters, and a URL may hold a password.
        os.environ["CSP_WAREHOUSE_URL"], args.warehouse_url = args.warehouse_url, None
    if args.command == "docs":
        return write_docs(args)
    if args.command == "roles":
        return setup_roles(args)
    if args.command == "ops":
        return apply_operations(args)
    if args.command == "gx":
        return great_expectations(args)
    from flows.demo import print_failure, print_summary
    from flows.temporary_server import prefect_api

    log_path = _log_to_file(args)
    try:
        with prefect_api():  # without PREFECT_API_URL, a temporary server that dies with this process, even on kill -9
            result = _run(args)
    except Exception as exc:  # the flow already logged the detail; say what failed and exit non-zero
        print_failure(exc, log_path)
        return 1
    print_summary(args.command, result, _where(args), log_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
