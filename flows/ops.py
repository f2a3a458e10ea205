"""`csp-pipeline ops apply`: the Prefect server's alerts, follow-on runs and write limit, from ops/operations.yaml.

Each object is found by name and created or updated in place, so applying twice leaves the
server as applying once; deployments are read from prefect.yaml, never listed again here.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from tasks.settings import REPO_ROOT, Settings

OPERATIONS_FILE = REPO_ROOT / "ops" / "operations.yaml"
DEPLOYMENTS_FILE = REPO_ROOT / "prefect.yaml"
FEED_ENTRYPOINTS = "flows/ingest_"  # a feed deployment runs a flows/ingest_<feed>.py flow


class OpsError(RuntimeError):
    """ops apply cannot do what the file asks (no API, no webhook URL, a deployment not deployed)."""


def deployment_names(prefect_yaml: Path = DEPLOYMENTS_FILE, feeds_only: bool = False) -> list[str]:
    """The deployments prefect.yaml declares (only the feed deployments, if asked)."""
    spec = yaml.safe_load(prefect_yaml.read_text(encoding="utf-8"))
    return [d["name"] for d in spec["deployments"] if not feeds_only or d["entrypoint"].startswith(FEED_ENTRYPOINTS)]


def runs_of(names: list[str], states: list[str]):
    """A trigger on a flow run of any of the named deployments entering any of the states."""
    from prefect.events.schemas.automations import EventTrigger, Posture

    return EventTrigger(expect={f"prefect.flow-run.{state}" for state in states},
                        match={"prefect.resource.id": "prefect.flow-run.*"},
                        match_related={"prefect.resource.role": "deployment", "prefect.resource.name": names},
                        posture=Posture.Reactive, threshold=1, within=0)


def save_webhook(block: str, url: str) -> str:
    """The Custom Webhook notification block, saved under its name (replaced in place); its id."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    webhook = CustomWebhookNotificationBlock(name=block, url=url, method="POST",
                                             json_data={"subject": "{{subject}}", "text": "{{body}}"})
    return str(webhook.save(block, overwrite=True))


def alert_automation(alert: dict, block_id: str, deployments: list[str]):
    """An automation that notifies through the webhook block when a run of the deployments ends in the alert's states."""
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore

    return AutomationCore(name=alert["name"], description=alert.get("description", ""), enabled=True,
                          trigger=runs_of(deployments, alert["states"]),
                          actions=[SendNotification(block_document_id=block_id, subject=alert["subject"], body=alert["body"])])


def follow_on_automation(follow: dict, deployment_id, feeds: list[str]):
    """An automation that runs a deployment when a run of the `after` deployments completes."""
    from prefect.events.actions import RunDeployment
    from prefect.events.schemas.automations import AutomationCore

    after = feeds if follow["after"] == "feeds" else list(follow["after"])
    return AutomationCore(name=follow["name"], description=follow.get("description", ""), enabled=True,
                          trigger=runs_of(after, ["Completed"]),
                          actions=[RunDeployment(source="selected", deployment_id=deployment_id)])


def deployment_id(client, name: str):
    """The id of the one deployment with this name on the server; an error saying to deploy first."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    found = client.read_deployments(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])))
    if len(found) != 1:
        raise OpsError(f"{len(found)} deployments named {name!r} on the server: run `prefect deploy --all` first")
    return found[0].id


def put_automation(client, automation) -> str:
    """Create the automation, or update the one of its name (removing duplicates); what was done."""
    existing = client.read_automations_by_name(automation.name)
    for extra in existing[1:]:
        client.delete_automation(extra.id)
    if not existing:
        client.create_automation(automation)
        return f"automation {automation.name}: created"
    client.update_automation(existing[0].id, automation)
    return f"automation {automation.name}: updated"


def write_slots(settings: Settings) -> int:
    """The write limit's slots: one on DuckDB (a single writer), the setting's number on PostgreSQL."""
    return 1 if settings.warehouse.startswith("duckdb") else settings.write_slots


def apply(settings: Settings, webhook_url: str | None = None, operations: Path = OPERATIONS_FILE,
          prefect_yaml: Path = DEPLOYMENTS_FILE) -> list[str]:
    """Make the Prefect server match the operations file; one line per object applied."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise OpsError("ops apply configures a Prefect server: set PREFECT_API_URL (a temporary server would forget it)")
    spec = yaml.safe_load(operations.read_text(encoding="utf-8"))
    hook = spec["webhook"]
    url = webhook_url or os.environ.get(hook["url_env"])
    if not url:
        raise OpsError(f"no webhook URL for alerts: set {hook['url_env']} or pass --webhook-url")
    done = [f"webhook block {hook['block']}: saved"]
    block_id = save_webhook(hook["block"], url)
    everything, feeds = deployment_names(prefect_yaml), deployment_names(prefect_yaml, feeds_only=True)
    with get_client(sync_client=True) as client:
        for alert in spec.get("alerts", []):
            done.append(put_automation(client, alert_automation(alert, block_id, everything)))
        for follow in spec.get("follow_on", []):
            done.append(put_automation(client, follow_on_automation(follow, deployment_id(client, follow["run"]), feeds)))
        if settings.write_limit:
            slots = write_slots(settings)
            client.upsert_global_concurrency_limit_by_name(settings.write_limit, slots)
            done.append(f"concurrency limit {settings.write_limit}: {slots} slot(s)")
    return done
