"""An MoJ outcomes-by-offence zip recognised by content: a CSV member whose header has Year, Offence and a
count column. The content carries no date: the file's time dates it."""
from __future__ import annotations

import zipfile

from flows.catalog import Source
from flows.parsing import TableNotFound, column_specs, one_of_groups
from flows.parsing.content import listed
from flows.sources.moj.parser import find_members


def by_zip_members(source: Source, archive: zipfile.ZipFile) -> str | None:
    options = source.options
    specs = column_specs(options.get("columns")) + column_specs(options.get("optional_columns"), required=False)
    try:
        found = find_members(archive, specs, one_of_groups(options), "table")
    except TableNotFound:
        return None
    return f"CSV member {listed([m[0] for m in found])}"
