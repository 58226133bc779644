"""`pledges export`: every marts table and view as Parquet or CSV plus a Frictionless datapackage.json, read
back with the Data Package validator (frictionless) and checked against the warehouse; written in one step."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import frictionless
import pytest

from flows import cli
from flows import export as export_module
from flows.config import Settings
from tests.conftest import REALDATA
from tests.sources.small_boats.builders import small_boats_file

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    path = small_boats_file(folder / "f", date(2024, 9, 13), start=date(2024, 6, 1), days=100)
    warehouse = folder / "wh" / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(warehouse), str(path)]) == 0
    return warehouse


def warehouse_facts(warehouse: Path) -> dict:
    """What the export must carry, read from the warehouse itself."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = dict(con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' UNION ALL "
            "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts' AND NOT internal").fetchall())
        columns = {name: con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts' "
                                     "AND table_name = ? ORDER BY column_index", [name]).fetchall() for name in relations}
        counts = {name: con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0] for name in relations}
        sources = set(con.execute("SELECT DISTINCT source_title, publisher, page_url FROM marts.metrics").fetchall())
        macros = {n for (n,) in con.execute("SELECT function_name FROM duckdb_functions() WHERE schema_name = 'marts'").fetchall()}
    finally:
        con.close()
    return {"relations": relations, "columns": columns, "counts": counts, "sources": sources, "macros": macros}


def _is_frictionless_parquet_limit(error: list, types: dict[str, str]) -> bool:
    """frictionless reads Parquet through pandas: it cannot count a Parquet file's bytes ('actual is "None"'), and
    an integer column with NULLs arrives as floats with NaN for the NULLs (a type error on a 'nan' cell). Both are
    the reader's, not the file's: the test checks the file's sha256 and its NULLs with DuckDB instead."""
    kind, note, field_name, cell = error
    return (kind == "byte-count" and 'actual is "None"' in note) or (kind == "type-error" and cell == "nan"
                                                                     and types.get(field_name) == "integer")


def validate(out: Path, fmt: str, limit_rows: int | None = None) -> frictionless.Report:
    report = frictionless.validate(str(out / "datapackage.json"), limit_rows=limit_rows)
    package = json.loads((out / "datapackage.json").read_text())
    types = {f["name"]: f["type"] for r in package["resources"] for f in r["schema"]["fields"] if f["type"] == "integer"}
    errors = [e for e in report.flatten(["type", "note", "fieldName", "cell"])
              if not (fmt == "parquet" and _is_frictionless_parquet_limit(e, types))]
    assert errors == []
    if fmt == "csv":
        assert report.valid
    return report


def check_package(out: Path, fmt: str, warehouse: Path, report: frictionless.Report | None) -> dict:
    facts = warehouse_facts(warehouse)
    package = json.loads((out / "datapackage.json").read_text())
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["name"] and package["title"] and datetime.strptime(package["created"], "%Y-%m-%dT%H:%M:%SZ")
    assert package["licenses"] == [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0", "path": OGL}]
    assert {(s["title"], s["publisher"], s["path"]) for s in package["sources"]} == facts["sources"]
    assert len(package["sources"]) >= 10     # every catalog source, loaded here or not

    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == set(facts["relations"])             # every table and view ...
    assert not set(resources) & facts["macros"]                   # ... and not the as-of table functions
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{n}.{fmt}" for n in resources] + ["datapackage.json"])
    rows = {t.name: t.stats.get("rows") or 0 for t in report.tasks} if report else {}
    for name, resource in resources.items():
        assert (resource["path"], resource["format"]) == (f"{name}.{fmt}", fmt)
        assert resource["mediatype"] == {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}[fmt]
        assert resource["description"] == facts["relations"][name]
        data = (out / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data) and resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == [c for c, _ in facts["columns"][name]]
        for field, (_column, comment) in zip(fields, facts["columns"][name]):
            assert comment and field["description"].startswith(comment)
        if report:
            assert rows[name] == facts["counts"][name], name
    # row counts and NULLs read independently of the validator
    con = duckdb.connect()
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    for name, resource in resources.items():
        path = out / resource["path"]
        assert con.execute(f"SELECT count(*) FROM {reader}(?)", [str(path)]).fetchone()[0] == facts["counts"][name], name
    types = {r["name"]: {f["name"]: f["type"] for f in r["schema"]["fields"]} for r in package["resources"]}
    assert types["metric_observations"].items() >= {"period_start": "date", "value": "number", "is_latest": "boolean",
                                                     "published_on": "date", "metric_id": "string"}.items()
    assert types["releases"]["fetched_at"] == "datetime" and types["releases"]["bytes"] == "integer"
    assert types["pledge_status"]["evidence"] == "array" and types["pledge_status"]["also_quoted"] == "array"
    con.close()
    return package


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trips_through_the_data_package_validator(warehouse, tmp_path, fmt, capsys):
    out = tmp_path / "export"
    assert cli.main(["export", "--warehouse", str(warehouse), "--out", str(out), "--format", fmt]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    report = validate(out, fmt)
    check_package(out, fmt, warehouse, report)

    con = duckdb.connect(str(warehouse), read_only=True)
    expected_sum = con.execute("SELECT sum(value) FROM marts.metric_observations").fetchone()[0]
    nulls = con.execute("SELECT count(*) FILTER (WHERE covered_days IS NULL) FROM marts.claim_checks").fetchone()[0]
    quoted = con.execute("SELECT pledge_id, also_quoted FROM marts.pledge_status WHERE len(also_quoted) > 0 "
                         "ORDER BY pledge_id LIMIT 1").fetchone()
    con.close()
    # values come through: list/struct columns as JSON text, NULL integers as NULL (not NaN or 0)
    status = frictionless.Resource(str(out / f"pledge_status.{fmt}"),
                                   schema=frictionless.Schema.from_descriptor(
                                       next(r for r in json.loads((out / "datapackage.json").read_text())["resources"]
                                            if r["name"] == "pledge_status")["schema"]))
    rows = {r["pledge_id"]: r for r in status.read_rows()}
    assert rows[quoted[0]]["also_quoted"] == json.loads(json.dumps(quoted[1], default=str))   # dates in JSON: ISO text
    assert rows[quoted[0]]["also_quoted"][0]["said_on"] == quoted[1][0]["said_on"].isoformat()
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    other = duckdb.connect()
    assert other.execute(f"SELECT sum(value) FROM {reader}(?)", [str(out / f"metric_observations.{fmt}")]).fetchone()[0] \
        == pytest.approx(expected_sum)
    assert other.execute(f"SELECT count(*) FILTER (WHERE covered_days IS NULL) FROM {reader}(?)",
                         [str(out / f"claim_checks.{fmt}")]).fetchone()[0] == nulls > 0
    other.close()


def test_every_duckdb_type_maps_to_a_table_schema_type_that_validates(tmp_path):
    """A warehouse with a column of each kind (the marts use fewer): each value's text form in CSV parses as its
    declared Table Schema type; list, struct and map columns are JSON."""
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("""
        CREATE SCHEMA marts;
        CREATE TABLE marts.metrics AS SELECT 'A title' AS source_title, 'A publisher' AS publisher, 'https://www.gov.uk/a' AS page_url;
        CREATE TABLE marts.kinds (i TINYINT, h HUGEINT, d DECIMAL(18,3), f FLOAT, b BOOLEAN, dt DATE, ts TIMESTAMP,
            tz TIMESTAMPTZ, t TIME, iv INTERVAL, l VARCHAR[], a INTEGER[2], s STRUCT(x INTEGER, y VARCHAR),
            m MAP(VARCHAR, INTEGER), u UUID, e ENUM('a', 'b'), q VARCHAR);
        INSERT INTO marts.kinds VALUES (1, 2, 3.5, 1.25, true, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.123',
            TIMESTAMPTZ '2024-01-02 03:04:05+01', TIME '10:11:12', INTERVAL 3 DAY, ['a,"b"', NULL], [1, 2],
            {'x': 1, 'y': 'z'}, MAP {'k': 1}, uuid(), 'a', 'two
            lines, "quoted"');
        INSERT INTO marts.kinds (b, q) VALUES (false, '');
        COMMENT ON TABLE marts.kinds IS 'One column of each kind';
        COMMENT ON COLUMN marts.kinds.l IS 'A list';
    """)
    con.close()
    package = export_module.export(warehouse, tmp_path / "out", "csv")
    validate(tmp_path / "out", "csv")
    fields = {f["name"]: f for f in next(r for r in package["resources"] if r["name"] == "kinds")["schema"]["fields"]}
    assert {n: f["type"] for n, f in fields.items()} == {
        "i": "integer", "h": "integer", "d": "number", "f": "number", "b": "boolean", "dt": "date", "ts": "datetime",
        "tz": "datetime", "t": "time", "iv": "string", "l": "array", "a": "array", "s": "object", "m": "object",
        "u": "string", "e": "string", "q": "string"}
    assert fields["l"]["description"] == "A list (JSON text; in the warehouse: VARCHAR[])"
    rows = frictionless.Resource(str(tmp_path / "out" / "kinds.csv"),
                                 schema=frictionless.Schema.from_descriptor({"fields": list(fields.values())})).read_rows()
    assert rows[0]["l"] == ['a,"b"', None] and rows[0]["s"] == {"x": 1, "y": "z"} and rows[0]["m"] == {"k": 1}
    assert rows[0]["ts"] == datetime(2024, 1, 2, 3, 4, 5, 123000) and rows[0]["q"] == 'two\n            lines, "quoted"'
    assert rows[1]["i"] is None and rows[1]["l"] is None
    export_module.export(warehouse, tmp_path / "pq", "parquet")
    validate(tmp_path / "pq", "parquet")


@pytest.mark.skipif(not (REALDATA / "small_boats").is_dir(), reason=f"real published files not present at {REALDATA}")
def test_real_small_boats_releases_export_in_both_formats(tmp_path):
    warehouse = tmp_path / "wh" / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(warehouse), str(REALDATA / "small_boats")]) == 0
    export_module.export(warehouse, tmp_path / "csv", "csv")
    package = check_package(tmp_path / "csv", "csv", warehouse, validate(tmp_path / "csv", "csv"))
    # (marts.metric_observations stores each value once, not once per release: about 6,600 rows, 0.9 MB in all)
    assert sum(r["bytes"] for r in package["resources"]) > 500_000
    # Parquet: frictionless reads it row by row through pandas (slow for thousands of observations), so the
    # validator checks the first rows and DuckDB (in check_package) every row count
    export_module.export(warehouse, tmp_path / "parquet", "parquet")
    validate(tmp_path / "parquet", "parquet", limit_rows=500)
    check_package(tmp_path / "parquet", "parquet", warehouse, None)


def test_a_new_export_replaces_the_old_in_one_step_and_a_failed_one_changes_nothing(warehouse, tmp_path, monkeypatch):
    out = tmp_path / "export"
    export_module.export(warehouse, out, "csv")
    with open(out / "datapackage.json") as old_reader:      # a reader in the middle of the old export ...
        exchanged = []
        real_exchange = export_module._exchange
        monkeypatch.setattr(export_module, "_exchange", lambda a, b: exchanged.append(real_exchange(a, b)) or exchanged[-1])
        export_module.export(warehouse, out, "parquet")
        assert json.loads(old_reader.read())["resources"][0]["format"] == "csv"    # ... still reads it whole
    assert exchanged == [True]       # the two folders swapped in one step (Linux renameat2): never no folder
    assert {p.suffix for p in out.iterdir()} == {".parquet", ".json"}             # nothing of the old one left
    assert [p.name for p in tmp_path.iterdir()] == ["export"]                     # no temporary folder left
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    calls = []

    def fail_on_third_file(path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_digest(path)
    real_digest = export_module._file_digest
    monkeypatch.setattr(export_module, "_file_digest", fail_on_third_file)
    with pytest.raises(OSError, match="disk full"):
        export_module.export(warehouse, out, "csv")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before              # the earlier export, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


def test_export_refuses_a_folder_holding_other_files(warehouse, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert cli.main(["export", "--warehouse", str(warehouse), "--out", str(out)]) == cli.EXIT_USAGE
    assert "not empty and holds no earlier export" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and [p.name for p in tmp_path.iterdir()] == ["mine"]
    (out / "notes.txt").unlink()
    assert cli.main(["export", "--warehouse", str(warehouse), "--out", str(out)]) == 0     # empty: fine
    (out / "notes.txt").write_text("keep me")                                              # export + another file
    assert cli.main(["export", "--warehouse", str(warehouse), "--out", str(out)]) == cli.EXIT_USAGE
    assert "notes.txt" in capsys.readouterr().err and (out / "notes.txt").read_text() == "keep me"


def test_nothing_published_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["export", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x")]) == 2
    assert "nothing published yet" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_the_run_flow_setting(warehouse, tmp_path, monkeypatch):
    monkeypatch.delenv("PLEDGES_EXPORT_DIR", raising=False)
    monkeypatch.delenv("PLEDGES_EXPORT_FORMAT", raising=False)
    copy = tmp_path / "wh" / "pledges.duckdb"
    copy.parent.mkdir()
    copy.write_bytes(warehouse.read_bytes())
    settings = dataclasses.replace(Settings(), warehouse=copy)
    assert settings.export_path is None and export_module.export_after_publish(settings) is None
    assert sorted(p.name for p in copy.parent.iterdir()) == ["pledges.duckdb"]
    monkeypatch.setenv("PLEDGES_EXPORT_DIR", "export")            # relative: beside the warehouse
    monkeypatch.setenv("PLEDGES_EXPORT_FORMAT", "csv")
    settings = dataclasses.replace(Settings(), warehouse=copy)
    assert export_module.export_after_publish(settings) == copy.parent / "export"
    assert json.loads((copy.parent / "export" / "datapackage.json").read_text())["resources"][0]["format"] == "csv"
    monkeypatch.setenv("PLEDGES_EXPORT_DIR", str(tmp_path / "elsewhere"))
    assert dataclasses.replace(Settings(), warehouse=copy).export_path == tmp_path / "elsewhere"


def test_export_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "pledges export --out" in out and "--format" in out


@pytest.mark.skipif(not (REALDATA / "small_boats").is_dir(), reason=f"real published files not present at {REALDATA}")
def test_primary_keys_are_declared_where_every_build_guarantees_them(tmp_path):
    """Every table whose rows have a unique, never-NULL key declares it as the Table Schema's primaryKey (before: no
    resource had one): the key is one that every build's data tests check (warehouse/marts/tests.toml), and it holds
    on the real published files, in the warehouse and in the exported files, which frictionless validates."""
    import shutil
    import tomllib

    warehouse = tmp_path / "wh" / "pledges.duckdb"
    assert cli.main(["load", "--warehouse", str(warehouse), str(REALDATA)]) == 0
    out = tmp_path / "csv"
    package = export_module.export(warehouse, out, "csv")
    keys = {r["name"]: r["schema"]["primaryKey"] for r in package["resources"] if "primaryKey" in r["schema"]}
    assert keys == {"metrics": ["metric_id"], "pledges": ["pledge_id"], "pledge_status": ["pledge_id"],
                    "claim_checks": ["claim_id"], "releases": ["release_id"],
                    "metric_observations": ["metric_id", "period_type", "period_start", "period_end", "release_id"],
                    "pledge_progress": ["pledge_id", "view", "as_of", "period_start", "period_end"]}
    assert json.loads((out / "datapackage.json").read_text())["resources"] == package["resources"]
    tests_toml = tomllib.loads(Path(export_module.__file__).resolve().parents[1].joinpath(
        "warehouse", "marts", "tests.toml").read_text())
    checked = {(t["table"], tuple(t["columns"])) for t in tests_toml["unique"] if not t.get("where")}
    con, files = duckdb.connect(str(warehouse), read_only=True), duckdb.connect()
    try:
        for name, key in keys.items():
            assert (f"marts.{name}", tuple(key)) in checked, name            # every build checks it
            cols = ", ".join(key)
            nulls = " OR ".join(f"{c} IS NULL" for c in key)
            for reader, relation in ((con, f"marts.{name}"), (files, f"read_csv('{out / (name + '.csv')}')")):
                total, distinct, with_null = reader.execute(
                    f"SELECT count(*), count(DISTINCT ({cols})), count(*) FILTER (WHERE {nulls}) FROM {relation}").fetchone()
                assert total > 0 and distinct == total and with_null == 0, (name, relation)
    finally:
        con.close()
        files.close()
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:5]
    # and the validator holds the file to its key: a row given twice is a primary-key error
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    lines = (copy / "metrics.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (copy / "metrics.csv").write_text("".join(lines + lines[1:2]), encoding="utf-8")
    errors = frictionless.validate(str(copy / "datapackage.json")).flatten(["type"])
    assert ["primary-key"] in errors
