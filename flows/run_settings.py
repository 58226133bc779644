"""The settings of one command or flow run: flows.config's (from the environment) with the options it was given."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from flows.config import Settings


def settings_for(warehouse: str | Path | None = None, govuk_base: str | None = None) -> Settings:
    """Settings from the environment, with the warehouse and GOV.UK base given (when given) in their place."""
    overrides = {k: v for k, v in {"warehouse": Path(warehouse) if warehouse else None,
                                   "govuk_base": govuk_base}.items() if v is not None}
    return dataclasses.replace(Settings(), **overrides)
