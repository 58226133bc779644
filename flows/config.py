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


DEFAULT_PORTS = {"http": 80, "https": 443}


def url_origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port made explicit; None if it has none (or a bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname, port if port is not None else DEFAULT_PORTS[scheme]


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    warehouse: Path = field(default_factory=lambda: Path(os.environ.get("PLEDGES_WAREHOUSE", "warehouse/pledges.duckdb")))
    govuk_base: str = field(default_factory=lambda: os.environ.get("PLEDGES_GOVUK_BASE", "https://www.gov.uk"))
    ons_base: str = field(default_factory=lambda: os.environ.get("PLEDGES_ONS_BASE", "https://www.ons.gov.uk"))
    dfe_base: str = field(default_factory=lambda: os.environ.get("PLEDGES_DFE_BASE", "https://api.education.gov.uk/statistics/v1"))
    # Extra origins allowed besides the official ones, comma separated: `http://127.0.0.1:8080` (that scheme, host
    # and port only) or a bare host name (https on port 443 only, like the official hosts).
    extra_hosts: tuple[str, ...] = field(default_factory=lambda: tuple(
        h.strip() for h in os.environ.get("PLEDGES_EXTRA_HOSTS", "").split(",") if h.strip()))
    connect_timeout: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_CONNECT_TIMEOUT", 10)))
    read_timeout: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_READ_TIMEOUT", 60)))
    retries: int = field(default_factory=lambda: _env_int("PLEDGES_RETRIES", 4))
    backoff: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_BACKOFF", 1.0)))
    max_download_bytes: int = field(default_factory=lambda: _env_int("PLEDGES_MAX_DOWNLOAD_BYTES", 300 * 2**20))
    max_unzipped_bytes: int = field(default_factory=lambda: _env_int("PLEDGES_MAX_UNZIPPED_BYTES", 1500 * 2**20))
    # A JSON page (Content API, ONS, DfE), both as sent (compressed) and decoded: pages are tens of kilobytes.
    max_json_bytes: int = field(default_factory=lambda: _env_int("PLEDGES_MAX_JSON_BYTES", 16 * 2**20))
    # Seconds one fetch (a page or a file, its retries included) may take from first request to last byte.
    download_deadline: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_DOWNLOAD_DEADLINE", 600)))
    lock_timeout: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_LOCK_TIMEOUT", 600)))
    # Processes, besides the run itself, that parse and validate releases while it inserts others (0: none).
    parse_workers: int = field(default_factory=lambda: _env_int("PLEDGES_PARSE_WORKERS",
                                                                min(max((os.cpu_count() or 1) - 1, 0), 4)))
    # Every file is parsed in a parse process, never in the run, limited for each file to this much memory (MB of
    # address space beyond the process's size before it; a 16 MB returns workbook needs 600-800 MB) and this many
    # seconds (it takes about 30): past either, the file is rejected (`exceeded parser limits`) and the run goes on.
    # 0 turns a limit off.
    parse_memory_mb: int = field(default_factory=lambda: _env_int("PLEDGES_PARSE_MEMORY_MB", 4096))
    parse_timeout: float = field(default_factory=lambda: float(os.environ.get("PLEDGES_PARSE_TIMEOUT", 600)))
    # The open export (flows/export.py) the run flow writes after each publish: a folder (a relative path is taken
    # from the warehouse's folder; unset or empty: no export) and its format, parquet or csv.
    export_dir: str = field(default_factory=lambda: os.environ.get("PLEDGES_EXPORT_DIR", ""))
    export_format: str = field(default_factory=lambda: os.environ.get("PLEDGES_EXPORT_FORMAT", "parquet"))

    @property
    def export_path(self) -> Path | None:
        """Where the run flow writes the export, or None when PLEDGES_EXPORT_DIR is not set."""
        return self.warehouse.parent / Path(self.export_dir.strip()).expanduser() if self.export_dir.strip() else None

    @property
    def allowed_origins(self) -> frozenset[tuple[str, str, int]]:
        """(scheme, host, port) that may be fetched, redirects included: the official hosts over https on port 443
        only, the configured base URLs' own scheme, host and port, and the extra origins."""
        origins = {("https", host, 443) for host in OFFICIAL_HOSTS}
        for url in (self.govuk_base, self.ons_base, self.dfe_base, *self.extra_hosts):
            origin = url_origin(url if "://" in url else f"https://{url}")
            if origin is not None:
                origins.add(origin)
        return frozenset(origins)

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The host names of `allowed_origins` (for messages)."""
        return frozenset(host for _scheme, host, _port in self.allowed_origins)

    @property
    def archive_dir(self) -> Path:
        """Raw files, by content hash, beside the warehouse file, one archive per warehouse: `raw/` for the
        default name `pledges.duckdb` (where it has always been), `raw-<name>/` for any other, so a scratch
        warehouse in the same folder never leaks its releases into another's rebuild."""
        stem = self.warehouse.stem
        return self.warehouse.parent / ("raw" if stem == "pledges" else f"raw-{stem}")
