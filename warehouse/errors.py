"""Errors the warehouse raises (flows.errors re-exports them, so callers need one import)."""


class WarehouseBusy(Exception):
    """Another run holds the warehouse lock."""


class NothingPublished(FileNotFoundError):
    """A command that reads the warehouse was pointed at one that does not exist yet: a usage error (exit 2)."""

    def __init__(self, warehouse) -> None:
        super().__init__(f"{warehouse}: nothing published yet (run `pledges run` or `pledges load PATH`, "
                         f"or give --warehouse the file they wrote)")
