from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from flows.config import Settings  # noqa: E402
from tests.mirror import MirrorServer  # noqa: E402

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SMALL_BOATS_PAGE = "/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats"


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real published files not present at {REALDATA} (the ../shared/realdata tier runs in CI)")
    return REALDATA


@pytest.fixture
def mirror():
    with MirrorServer() as m:
        yield m


@pytest.fixture
def settings(tmp_path: Path, mirror) -> Settings:
    return dataclasses.replace(Settings(), warehouse=tmp_path / "wh" / "pledges.duckdb", govuk_base=mirror.base,
                               retries=2, backoff=0.05, read_timeout=1.5, connect_timeout=2, lock_timeout=5)
