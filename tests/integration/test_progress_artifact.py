"""The ingest's progress artifact: created at 0 when a feed starts loading, moved on as files are done
(whole percents), at 100 when the run has loaded every file, on the session's Prefect API."""

from __future__ import annotations

import logging

import pytest
from prefect import flow

from tasks.progress import IngestProgress
from tests.conftest import SAMPLE_REFERENCE

pytestmark = pytest.mark.usefixtures("prefect_api")


def artifacts_of(flow_run_id) -> list:
    """The progress artifacts of a flow run, as the API holds them."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterType

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]), type=ArtifactFilterType(any_=["progress"])))


def test_the_artifact_moves_as_files_are_done():
    @flow
    def four_files() -> tuple[list, list]:
        from prefect.runtime import flow_run

        seen = []
        bar = IngestProgress("police_uk_street", 4, 400, logging.getLogger("test-progress"), live=False, artifact_every=0)
        seen.append([a.data for a in artifacts_of(flow_run.id)])
        for size in (100, 150, 50, 100):
            bar.advance(1000, size)
            seen.append([a.data for a in artifacts_of(flow_run.id)])
        bar.close()
        return seen, artifacts_of(flow_run.id)

    seen, (final,) = four_files()
    assert seen == [[0.0], [25.0], [62.0], [75.0], [100.0]]  # bytes done, in whole percents
    assert final.key == "police-uk-street-progress" and "files 4/4, 4,000 rows" in final.description


def test_the_artifact_moves_at_most_every_few_seconds_and_always_to_100():
    @flow
    def quick_files() -> list:
        from prefect.runtime import flow_run

        seen = []
        bar = IngestProgress("police_uk_street", 3, 300, logging.getLogger("test-progress"), live=False, artifact_every=60)
        for size in (100, 100, 100):  # well within a minute: only the end moves it
            bar.advance(1000, size)
            seen.append([a.data for a in artifacts_of(flow_run.id)])
        return seen

    assert quick_files() == [[0.0], [0.0], [100.0]]


def test_a_feed_run_ends_with_its_progress_at_100(tmp_path):
    from flows.ingest_reference import ingest_reference

    state = ingest_reference(source=SAMPLE_REFERENCE, workdir=str(tmp_path / "var"),
                             warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}", return_state=True)
    assert state.is_completed()
    (progress,) = artifacts_of(state.state_details.flow_run_id)
    assert progress.key == "reference-progress" and progress.data == 100.0
    assert progress.description.startswith("reference: files ")
