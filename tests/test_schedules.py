"""prefect.yaml: every catalog source is scheduled once, on its publisher's calendar, in London time."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncio

import pytest
import yaml
from prefect.server.schemas.schedules import CronSchedule

from flows.catalog import load_catalog
from flows.pipeline import sources_of_deployment

DEPLOYMENTS = yaml.safe_load((Path(__file__).resolve().parents[1] / "prefect.yaml").read_text())["deployments"]
LONDON = ZoneInfo("Europe/London")


def by_name(name: str) -> dict:
    return next(d for d in DEPLOYMENTS if d["name"] == name)


def test_every_source_names_a_deployment_that_runs_sources():
    """A source joins a schedule in its own folder (`deployment` in its source.toml): the deployment must exist and
    run `pledges_run`, which picks its sources from the catalog (prefect.yaml lists no source ids)."""
    runners = {d["name"] for d in DEPLOYMENTS if d["entrypoint"].endswith(":pledges_run")}
    for source in load_catalog().values():
        assert source.deployment in runners, (source.id, source.deployment)
    assert all("source_ids" not in (d.get("parameters") or {}) for d in DEPLOYMENTS)


def test_each_pledges_run_deployment_runs_the_sources_that_name_it():
    by_deployment = {name: sources_of_deployment(name) for name in
                     (d["name"] for d in DEPLOYMENTS if d["entrypoint"].endswith(":pledges_run"))}
    assert by_deployment["small-boats"] == ["small_boats"]
    assert by_deployment["small-boats-daily"] == ["small_boats_page"]
    assert set(by_deployment["home-office-quarterly"]) >= {"ho_returns", "ho_asylum_support_national"}
    scheduled = [s for ids in by_deployment.values() for s in ids]
    assert sorted(scheduled) == sorted(load_catalog())      # every source exactly once


def test_a_deployment_no_source_names_is_refused():
    with pytest.raises(ValueError, match="'small-boat' schedules no source"):
        sources_of_deployment("small-boat")


def test_a_run_from_a_deployment_runs_only_that_deployments_sources(monkeypatch):
    """pledges_run without source_ids, under a deployment: the sources its catalog entries name, nothing else; run
    directly: every source; given ids: those (the real deployment run is in tests/test_deployment_e2e.py)."""
    from flows import pipeline
    monkeypatch.setattr(pipeline, "_deployment_name", lambda: "transparency")
    assert pipeline.sources_to_run(None) == ["ie_transparency", "ukvi_ip_transparency"]
    assert pipeline.sources_to_run(["ons_ltim"]) == ["ons_ltim"]
    monkeypatch.setattr(pipeline, "_deployment_name", lambda: None)
    assert pipeline.sources_to_run(None) is None and pipeline.sources_to_run([]) is None


def test_schedules_are_london_crons():
    for deployment in DEPLOYMENTS:
        assert deployment["schedules"], deployment["name"]
        for schedule in deployment["schedules"]:
            assert schedule["timezone"] == "Europe/London"
            CronSchedule(**schedule)          # Prefect's own validation of the cron string


def next_runs(schedule: dict, start: datetime, count: int) -> list[datetime]:
    """The dates Prefect's server would schedule (its own cron schedule class), in London time."""
    dates = asyncio.run(CronSchedule(**schedule).get_dates(n=count, start=start))
    return [d.astimezone(LONDON) for d in dates]


def test_home_office_quarterly_runs_on_late_thursdays_of_publication_months():
    first = by_name("home-office-quarterly")["schedules"][0]
    runs = next_runs(first, datetime(2026, 1, 1, tzinfo=LONDON), 6)
    assert all(r.weekday() == 3 and 19 <= r.day <= 29 and r.month in (2, 5, 8, 11) and (r.hour, r.minute) == (9, 35)
               for r in runs), runs
    # 26 February 2026 is the late-February Thursday on which the quarterly statistics appear
    assert datetime(2026, 2, 26, 9, 35, tzinfo=LONDON) in runs


def test_small_boats_runs_weekly_on_fridays():
    runs = next_runs(by_name("small-boats")["schedules"][0], datetime(2026, 1, 1, tzinfo=LONDON), 4)
    assert [r.weekday() for r in runs] == [4, 4, 4, 4] and [r.hour for r in runs] == [10, 16, 10, 16]


@pytest.mark.parametrize("name, days, months", [
    ("home-office-quarterly", range(19, 30), (2, 5, 8, 11)),
    ("transparency", range(19, 30), (2, 5, 8, 11)),
    ("ons-migration", range(18, 32), (5, 11)),
])
def test_a_quarterly_release_is_looked_for_again_the_friday_and_monday_after_even_in_the_next_month(name, days, months):
    """Releases slip: each quarterly deployment runs again the Friday and the Monday after every Thursday it first
    looks on, as docs/operations.md says. The Monday after Thursday 27 Nov 2025 is 1 Dec: the crons were limited
    to the publication month, so it never ran (audit 16), nor the Friday after Thursday 28 Feb 2030 (1 Mar)."""
    from datetime import date, timedelta
    schedules = by_name(name)["schedules"]
    start = datetime(2025, 1, 1, tzinfo=LONDON)
    runs = {r.date() for s in schedules for r in next_runs(s, start, 400)}
    assert max(runs) > date(2031, 1, 1)             # the runs asked for reach past every Thursday checked
    thursdays = [d for y in range(2025, 2031) for m in months for day in days
                 if (d := _day(y, m, day)) is not None and d.weekday() == 3]
    missing = [(t, t + timedelta(days=k)) for t in thursdays for k in (1, 4) if t + timedelta(days=k) not in runs]
    assert not missing, missing[:5]
    assert date(2025, 12, 1) in runs or name == "ons-migration"


def _day(year: int, month: int, day: int):
    from datetime import date
    try:
        return date(year, month, day)
    except ValueError:
        return None
