"""Prefect flows: the scheduled entry points. The work itself lives in flows.ingest."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

# Before Prefect is imported (it reads its settings once): no telemetry, from the client nor from the temporary
# server a run without PREFECT_API_URL starts (DO_NOT_TRACK does not reach the server's analytics, which log
# "Failed to send telemetry" on every offline run). A value the user set is kept.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The temporary server takes ~20 s to start on a 2-core machine, more when it is busy: Prefect's default 20 s
# wait made such runs fail before they began.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from flows import ingest, readmodel  # noqa: E402
from flows.catalog import Source  # noqa: E402
from flows.config import Settings  # noqa: E402
from flows.errors import TransientFetchError  # noqa: E402
from flows.formatting import cited_statement, fmt_day  # noqa: E402
from flows.fetch import Attachment, Download, discover, download  # noqa: E402
from flows.run_settings import settings_for  # noqa: E402
from warehouse import db  # noqa: E402
from flows.catalog import definitions  # noqa: E402
from warehouse.build import build_marts  # noqa: E402

# Under Prefect the tasks retry a transient fault (declared on their decorators, after 30 s then 120 s); the
# in-code request retries (PLEDGES_RETRIES) are for `pledges run --no-prefect` only, so a fault is never retried
# by both at once (at most 3 attempts here, not 3 x 5).
TASK_RETRIES = int(os.environ.get("PLEDGES_TASK_RETRIES", 2))
TASK_RETRY_DELAYS = [int(s) for s in os.environ.get("PLEDGES_TASK_RETRY_DELAYS", "30,120").split(",")]


class RunFailed(Exception):
    """Some source was rejected or could not be fetched; the others were still published."""

    def __init__(self, outcomes: list[ingest.Outcome]):
        self.outcomes = outcomes
        bad = [o for o in outcomes if o.is_failure]
        super().__init__(f"{len(bad)} release(s) rejected or not fetched:\n"
                         + "\n".join(f"{o.source_id} {o.name}: {o.error}" for o in bad))


def _transient(task, task_run, state) -> bool:
    """Retry only transient faults (timeouts, 5xx, resets: TransientFetchError), never a host that cannot be reached
    at all (HostUnreachable: offline, every retry would wait minutes for nothing), a 404, a refused host, a file
    over its limits or a malformed page."""
    return isinstance(state.result(raise_on_failure=False), TransientFetchError)


@task(retries=TASK_RETRIES, retry_delay_seconds=TASK_RETRY_DELAYS, retry_condition_fn=_transient, cache_policy=NO_CACHE)
def discover_attachments(source: Source, settings: Settings) -> list[Attachment]:
    """List the source's current files (GOV.UK Content API, ONS or DfE API, as its catalog entry says)."""
    found = discover(source, settings)
    get_run_logger().info("%s: %d attachment(s) on %s", source.id, len(found), source.landing_page)
    return found


@task(retries=TASK_RETRIES, retry_delay_seconds=TASK_RETRY_DELAYS, retry_condition_fn=_transient, cache_policy=NO_CACHE)
def download_file(url: str, settings: Settings, workdir: Path, validators: dict | None = None) -> Download:
    """Download one attachment (bounded in size and time, hashed, host-checked; conditional given `validators`)."""
    got = download(url, settings, workdir, validators)
    if got.not_modified:
        get_run_logger().info("%s: not modified since it was last downloaded", url)
    else:
        get_run_logger().info("downloaded %s: %s bytes, sha256 %s", url, f"{got.bytes:,}", got.sha256[:12])
    return got


@task(cache_policy=NO_CACHE)
def load_and_publish(settings: Settings, candidates: list[ingest.Candidate]) -> list[ingest.Outcome]:
    """Validate and load new releases into a copy of the warehouse, rebuild marts, swap it in."""
    return ingest.publish(settings, candidates)


def _report(outcomes: list[ingest.Outcome]) -> None:
    logger = get_run_logger()
    for o in outcomes:
        (logger.error if o.is_failure else logger.info)("%s %s: %s%s", o.source_id, o.name, o.status,
                                                        f" - {o.error}" if o.error else "")
    if outcomes:
        create_table_artifact(key="pledges-run-outcomes", description="What this run did with each published file",
                              table=[{"source": o.source_id, "file": o.name, "status": o.status,
                                      "release": o.release_id or "", "rows": o.rows,
                                      "error": (o.error or "").splitlines()[0] if o.error else ""} for o in outcomes])


def pledge_status_markdown(warehouse: Path) -> str | None:
    """The pledge status table as Markdown, for the Prefect UI (flows.readmodel)."""
    overview = readmodel.status_overview(warehouse)
    if overview is None:
        return None
    lines = ["# Pledge status", "",
             "Data as of: " + ", ".join(f"{s['source_id']} {s['published_on']}" for s in overview["latest_loaded"]), "",
             "| pledge | type | status | quote | period | explanation |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(v).replace("|", "/") for v in _artifact_cells(p)) + " |" for p in overview["pledges"]]
    return "\n".join(lines)


def _artifact_cells(p: dict) -> list:
    """A pledge's cells in the status artifact: title, type, status, the quote with its statement and date, period,
    explanation (a quote missing any of its parts reads None, as SQL's || gave it)."""
    parts = (p["quote"], p["statement"], p["said_on"])
    cited = cited_statement(p) or p.get("statement_title")
    quote = None if None in parts else f"“{p['quote']}” ({cited}, {fmt_day(p['said_on'])})"
    return [p["title"], p["type"], p["status"], quote, p["period_label"] or "", p["explanation"]]


@task(cache_policy=NO_CACHE)
def write_html_report(warehouse: Path, out: Path) -> Path | None:
    """The offline HTML report of every pledge and claim, rewritten after each publish."""
    from flows.report import write_report
    if not warehouse.exists():
        return None
    path = write_report(warehouse, out)
    get_run_logger().info("report written to %s", path)
    return path


def _deployment_name() -> str | None:
    """The name of the deployment this flow run was scheduled by (None when run directly)."""
    from prefect.runtime import deployment
    return deployment.name


def sources_of_deployment(name: str) -> list[str]:
    """The ids of the sources whose catalog entry names this deployment (`deployment` in their source.toml): a
    source joins a schedule by saying so in its own folder, and prefect.yaml lists no source ids."""
    from flows.catalog import load_catalog
    ids = [s.id for s in load_catalog().values() if s.deployment == name]
    if not ids:
        raise ValueError(f"deployment {name!r} schedules no source: no catalog entry (flows/sources/*/source.toml) "
                         f"names it in `deployment`")
    return ids


def sources_to_run(source_ids: list[str] | None) -> list[str] | None:
    """The sources a pledges_run runs: those given; else, under a deployment, those that name it; else all (None)."""
    if source_ids:
        return source_ids
    scheduled = _deployment_name()
    return sources_of_deployment(scheduled) if scheduled else None


@flow(name="pledges-run", log_prints=True)
def pledges_run(source_ids: list[str] | None = None, warehouse: str | None = None,
                govuk_base: str | None = None, report: str | None = None) -> list[dict]:
    """Discover, download, validate, load and publish the given sources (when none are given: those whose catalog
    entry names the deployment this run was scheduled by, or every source for a direct run), then write the HTML report (default: pledges-report.html beside the warehouse).

    Fails (after publishing what was good) when any release was rejected or not fetched.
    """
    settings = dataclasses.replace(settings_for(warehouse, govuk_base), retries=0)   # Prefect's task retries instead
    outcomes = ingest.run_sources(settings, sources_to_run(source_ids), discover=discover_attachments, fetch=download_file,
                                  publish_step=load_and_publish)
    _report(outcomes)
    if any(o.status in ("loaded", "rejected") for o in outcomes):
        write_html_report(settings.warehouse, Path(report) if report else settings.warehouse.parent / "pledges-report.html")
        from flows.export import export_after_publish   # PLEDGES_EXPORT_DIR: marts as files + datapackage.json
        if exported := export_after_publish(settings):
            get_run_logger().info("export written to %s", exported)
    markdown = pledge_status_markdown(settings.warehouse)
    if markdown:
        create_markdown_artifact(key="pledge-status", markdown=markdown, description="Every pledge and claim after this run")
    from flows.feed import changes_markdown   # the same list as the Atom feed beside the report
    if changes := changes_markdown(settings.warehouse):
        create_markdown_artifact(key="pledge-changes", markdown=changes, description="What changed, newest first")
    if any(o.is_failure for o in outcomes):
        raise RunFailed(outcomes)
    return ingest.outcome_dicts(outcomes)


@flow(name="pledges-build-derived")
def pledges_build_derived(warehouse: str | None = None) -> None:
    """Rebuild the derived tables (metrics, pledge progress, claim checks) from what is loaded."""
    settings = settings_for(warehouse)
    with db.writer_lock(settings.warehouse, settings.lock_timeout), db.building(settings.warehouse) as con:
        build_marts(con, definitions())
    get_run_logger().info("derived tables rebuilt in %s", settings.warehouse)
