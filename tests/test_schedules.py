"""prefect.yaml: every catalog source is scheduled once, on its publisher's calendar, in London time."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncio

import yaml
from prefect.server.schemas.schedules import CronSchedule

from flows.catalog import load_catalog

DEPLOYMENTS = yaml.safe_load((Path(__file__).resolve().parents[1] / "prefect.yaml").read_text())["deployments"]
LONDON = ZoneInfo("Europe/London")


def by_name(name: str) -> dict:
    return next(d for d in DEPLOYMENTS if d["name"] == name)


def test_every_source_is_scheduled_exactly_once():
    scheduled = [s for d in DEPLOYMENTS for s in (d.get("parameters") or {}).get("source_ids", [])]
    assert sorted(scheduled) == sorted(load_catalog())


def test_each_source_is_scheduled_by_the_deployment_its_catalog_entry_names():
    """A source declares its schedule (`deployment` in its source.toml); prefect.yaml must agree."""
    declared = {s.id: s.deployment for s in load_catalog().values()}
    in_yaml = {s: d["name"] for d in DEPLOYMENTS for s in (d.get("parameters") or {}).get("source_ids", [])}
    assert in_yaml == declared


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
