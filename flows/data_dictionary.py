"""`pledges docs`: the public tables and views with their columns and descriptions, the metrics the catalog defines,
and the table functions, as Markdown."""
from __future__ import annotations

from pathlib import Path

from flows import readmodel
from warehouse.errors import NothingPublished


def data_dictionary(warehouse: Path) -> str:
    """Every marts table and view (description, columns with type and description) and the table functions."""
    with readmodel.published(warehouse) as con:
        if con is None:
            raise NothingPublished(warehouse)
        relations = readmodel.marts_relations(con)
        columns = readmodel.marts_columns(con)
        functions = readmodel.marts_table_functions(con)
        # every metric the catalog defines, with its source: what `metric_id` in the tables can be
        metrics = con.execute("SELECT metric_id, title, unit, period_type, measure, source_id, layout_confirmed, "
                              "definition FROM marts.metrics ORDER BY source_id, metric_id").fetchall()
        # the published tables themselves, one view each (every release's rows; the newest release's)
        tidy = con.execute("SELECT view_name, comment FROM duckdb_views() WHERE database_name = current_database() "
                           "AND schema_name = 'tidy' AND NOT view_name LIKE '%\\_latest' ESCAPE '\\' ORDER BY 1").fetchall()
    lines = ["# Data dictionary", "",
             # the file's name, not the builder's path to it: the dictionary is shared, the path is one machine's
             f"Warehouse: `{Path(warehouse).name}`. Public tables are in `marts`, and each published table as it was published is "
             "in `tidy`; `raw`, `raw_store`, `staging` and `meta` are internal.", ""]
    for name, kind, comment in relations:
        lines += [f"## marts.{name} ({kind})", "", comment or "(no description)", "",
                  "| column | type | description |", "|---|---|---|"]
        lines += [f"| {c} | {t} | {(d or '').replace('|', '/')} |" for table, c, t, d in columns if table == name]
        lines.append("")
    if metrics:
        lines += ["## Metrics (marts.metrics)", "",
                  "Every metric the source catalog (`flows/sources/*/source.toml`) defines: the `metric_id` values "
                  "of `marts.metric_observations` and the pledge register.", "",
                  "| metric_id | title | unit | period | measure | source | layout confirmed | definition |",
                  "|---|---|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(str("" if v is None else v).replace("|", "/") for v in row) + " |" for row in metrics]
        lines.append("")
    if tidy:
        lines += ["## Published tables (tidy)", "",
                  "Each table the sources publish, as published: `tidy.<table>` holds every loaded release's rows "
                  "(`release_id`, `source_id`, `published_on`, `source_row`, then the columns its schema in `schemas/` "
                  "names), so a figure as first published and as revised since are both there; `tidy.<table>_latest` "
                  "holds the newest loaded release's rows.", "",
                  "| view | description |", "|---|---|"]
        lines += [f"| tidy.{name} (and tidy.{name}_latest) | {(comment or '').replace('|', '/')} |" for name, comment in tidy]
        lines.append("")
    if functions:
        lines += ["## Table functions", ""]
        lines += [f"- `marts.{name}({', '.join(params)})`: {comment or '(no description)'}" for name, params, comment in functions]
        lines.append("")
    return "\n".join(lines)
