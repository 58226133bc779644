"""A copy of the source catalog (every flows/sources/<family>/source.toml) with edits, for tests of its checks."""
from __future__ import annotations

import shutil
from pathlib import Path

from flows.catalog import SOURCES_DIR


def catalog_copy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The catalog copied under tmp_path/sources, each (old, new) replaced once in the one file that holds it."""
    root = tmp_path / "sources"
    for path in SOURCES_DIR.glob("*/source.toml"):
        (root / path.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, root / path.parent.name / "source.toml")
    for old, new in edits:
        holders = [p for p in root.glob("*/source.toml") if old in p.read_text()]
        assert len(holders) == 1, f"{old!r} is in {len(holders)} catalog files"
        holders[0].write_text(holders[0].read_text().replace(old, new, 1))
    return root
