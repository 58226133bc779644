"""Settings that tests and operators change: base URLs, warehouse path, limits.

Every setting has an environment variable; the CLI options override them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

OFFICIAL_HOSTS = frozenset({
    "www.gov.uk",
    "gov.uk",
    "assets.publishing.service.gov.uk",
    "www.ons.gov.uk",
    "ons.gov.uk",
    "explore-education-statistics.service.gov.uk",
    "api.education.gov.uk",
})


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    warehouse: Path = field(default_factory=lambda: Path(os.environ.get("PLEDGES_WAREHOUSE", "warehouse/pledges.duckdb")))
    govuk_base: str = field(default_factory=lambda: os.environ.get("PLEDGES_GOVUK_BASE", "https://www.gov.uk"))
    ons_base: str = field(default_factory=lambda: os.environ.get("PLEDGES_ONS_BASE", "https://www.ons.gov.uk"))
    dfe_base: str = field(default_factory=lambda: os.environ.get("PLEDGES_DFE_BASE", "https://api.education.gov.uk/statistics/v1"))
    # Extra hosts allowed besides the official ones (a local mirror in tests), comma separated.
    extra_hosts: tuple[str, ...] = field(default_factory=lambda: tuple(
        h.strip() for h in os.environ.get("PLEDGES_EXTRA_HOSTS", "").split(",") if h.strip()))
    connect_timeout: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_CONNECT_TIMEOUT", 10)))
    read_timeout: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_READ_TIMEOUT", 60)))
    retries: int = field(default_factory=lambda: _env_int("PLEDGES_RETRIES", 4))
    backoff: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_BACKOFF", 1.0)))
    max_download_bytes: int = field(default_factory=lambda: _env_int("PLEDGES_MAX_DOWNLOAD_BYTES", 300 * 2**20))
    max_unzipped_bytes: int = field(default_factory=lambda: _env_int("PLEDGES_MAX_UNZIPPED_BYTES", 1500 * 2**20))
    lock_timeout: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_LOCK_TIMEOUT", 600)))
    # Processes, besides the run itself, that parse and validate releases while it inserts others (0: none).
    parse_workers: int = field(default_factory=lambda: _env_int("PLEDGES_PARSE_WORKERS",
                                                                min(max((os.cpu_count() or 1) - 1, 0), 4)))

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Official hosts, the hosts of the configured base URLs, and any extra hosts."""
        configured = {urlsplit(u).hostname for u in (self.govuk_base, self.ons_base, self.dfe_base)}
        return OFFICIAL_HOSTS | {h for h in configured if h} | set(self.extra_hosts)

    @property
    def archive_dir(self) -> Path:
        """Raw files, by content hash, beside the warehouse file."""
        return self.warehouse.parent / "raw"
