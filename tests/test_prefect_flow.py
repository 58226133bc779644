"""The Prefect flow against a real (temporary) Prefect server and the local GOV.UK mirror."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.conftest import SMALL_BOATS_PAGE
from tests.sources.small_boats.builders import small_boats_file, small_boats_grids
from tests.workbooks import write_workbook

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness
    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_flow_run_publishes_and_fails_on_rejection(prefect_server, settings, mirror, tmp_path):
    from prefect.client.orchestration import get_client
    from flows.pipeline import RunFailed, pledges_run

    good = small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    result = pledges_run(source_ids=["small_boats"], warehouse=str(settings.warehouse), govuk_base=mirror.base)
    assert [r["status"] for r in result] == ["loaded"]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.metric_observations WHERE metric_id = 'small_boat_arrivals'").fetchall() == [(20,)]
    con.close()

    grids = small_boats_grids(start=date(2024, 1, 1), days=27)
    grids["SB_01"][5][1] = -1
    bad = write_workbook(tmp_path / "09_February_2024_Small_boats_-_time_series.ods", grids)
    mirror.publish(SMALL_BOATS_PAGE, bad.name, bad.read_bytes())
    state = pledges_run(source_ids=["small_boats"], warehouse=str(settings.warehouse), govuk_base=mirror.base,
                        return_state=True)
    assert state.is_failed()
    with pytest.raises(RunFailed, match="row 6"):
        state.result()

    import asyncio

    async def artifact():
        async with get_client() as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
            found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pledges-run-outcomes"])))
            return found
    found = asyncio.run(artifact())
    assert len(found) == 2 and any('"status": "rejected"' in str(a.data) for a in found)

    async def status_artifact():
        async with get_client() as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pledge-status"])))
    markdown = asyncio.run(status_artifact())
    assert markdown and "| Small boat crossings: smashing the gangs | pledge |" in markdown[0].data and "Returns: 19,000 in seven months" in markdown[0].data

    async def changes_artifact():
        async with get_client() as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pledge-changes"])))
    changes = asyncio.run(changes_artifact())
    from flows.catalog import load_catalog     # the source by its title, as the feed and the report name it
    assert changes and "# What changed" in changes[0].data
    assert f"| release | New release of {load_catalog()['small_boats'].title}: " in changes[0].data


def test_a_transient_fault_is_retried_by_prefect_tasks_not_also_in_code(prefect_server, settings, mirror, tmp_path,
                                                                        monkeypatch):
    """Under Prefect a 503 is retried by the task (its declared retries), each attempt one request: never the
    in-code request retries inside each task attempt as well (which multiplied the attempts and the waits)."""
    import asyncio

    from prefect.client.orchestration import get_client
    from flows import pipeline

    monkeypatch.setenv("PLEDGES_RETRIES", "4")      # what a --no-prefect run would use
    monkeypatch.setattr(pipeline, "download_file", pipeline.download_file.with_options(retry_delay_seconds=[0, 0]))
    good = small_boats_file(tmp_path / "a", date(2024, 3, 1), start=date(2024, 1, 1), days=30)
    url = mirror.publish(SMALL_BOATS_PAGE, good.name, good.read_bytes())
    path = url[len(mirror.base):]
    mirror.fault(path, "status:503", "status:503")
    result = pipeline.pledges_run(source_ids=["small_boats"], warehouse=str(settings.warehouse), govuk_base=mirror.base)
    assert [r["status"] for r in result] == ["loaded"]
    assert mirror.hits.count(path) == 3                # 503, 503, then the file: one request per task attempt

    async def download_runs():
        async with get_client() as client:
            runs = await client.read_task_runs()
            return [r for r in runs if r.name.startswith("download_file")]
    runs = asyncio.run(download_runs())
    assert max(r.run_count for r in runs) == 3         # the task itself ran three times
