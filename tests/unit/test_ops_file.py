"""ops/operations.yaml and `ops apply` before any server: the follow-on runs start after exactly the feed
deployments of prefect.yaml (one per registered feed), and apply refuses, saying why, without an API or a
webhook URL."""

from __future__ import annotations

import pytest
import yaml

from flows.ops import OPERATIONS_FILE, OpsError, apply, deployment_names
from tasks.registry import FEEDS
from tasks.settings import REPO_ROOT, Settings


def as_flow(entrypoint: str) -> str:
    """prefect.yaml's `flows/ingest_itk.py:ingest_itk` as the registry writes it, `flows.ingest_itk:ingest_itk`."""
    path, function = entrypoint.split(":")
    return f"{path.removesuffix('.py').replace('/', '.')}:{function}"


def test_the_feed_deployments_are_those_of_the_registered_feeds():
    spec = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
    entrypoints = {d["name"]: d["entrypoint"] for d in spec["deployments"]}
    feeds = deployment_names(feeds_only=True)
    flows = {as_flow(entrypoints[name]) for name in feeds}
    assert flows == {feed.flow for feed in FEEDS}  # every feed, and nothing else (marts, report, the assessment)
    assert set(feeds) < set(deployment_names())


def test_every_follow_on_runs_a_deployment_of_prefect_yaml():
    spec = yaml.safe_load(OPERATIONS_FILE.read_text())
    for follow in spec["follow_on"]:
        assert follow["run"] in deployment_names()
        assert follow["after"] == "feeds" or set(follow["after"]) <= set(deployment_names())


def test_apply_needs_an_api_and_a_webhook_url(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("CSP_ALERT_WEBHOOK_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(OpsError, match="set PREFECT_API_URL"):
        apply(Settings())
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}), \
            pytest.raises(OpsError, match="set CSP_ALERT_WEBHOOK_URL or pass --webhook-url"):
        apply(Settings())  # refused before anything reaches the (absent) server


def test_the_write_limit_has_one_slot_on_duckdb_and_the_setting_on_postgresql(monkeypatch):
    from flows.ops import write_slots

    assert write_slots(Settings(warehouse_url="duckdb:///w.duckdb")) == 1
    assert write_slots(Settings(warehouse_url="postgresql+psycopg://loader@db/warehouse")) == 4
    monkeypatch.setenv("CSP_WRITE_SLOTS", "6")
    assert write_slots(Settings(warehouse_url="postgresql+psycopg://loader@db/warehouse")) == 6
    assert write_slots(Settings(warehouse_url="duckdb:///w.duckdb")) == 1  # DuckDB's single writer, whatever the setting
