"""Errors the warehouse raises (flows.errors re-exports them, so callers need one import)."""


class WarehouseBusy(Exception):
    """Another run holds the warehouse lock."""
