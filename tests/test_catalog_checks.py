"""The catalog (flows/sources/<family>/source.toml) fails when it loads on any entry that would silently change
what the code does, naming the file, the entry and the field; its metric SQL is checked before anything is parsed."""
from __future__ import annotations

import pytest

import flows.catalog as catalog
from flows.catalog import CatalogError, check_metric_sql, load_catalog
from tests.catalog_copy import catalog_copy


@pytest.mark.parametrize("old, new, message", [
    ('date_from = "file_name"       # the file name', 'date_from = "filename"       # the file name',
     "small_boats/source.toml [small_boats]: field date_from: 'filename' Input should be 'file_name'"),
    ('publication_lag_months = 0    # each day\'s figure is in the next weekly file\nformat = "ods"', 'publication_lag_months = 0    # each day\'s figure is in the next weekly file\nformat = "odt"', "[small_boats]: field format: 'odt' Input should be"),
    ('discovery = "govuk_collection"   # the collection', 'discovery = "govuk_colection"   # the collection',
     "transparency/source.toml [ie_transparency]: field discovery: 'govuk_colection' Input should be"),
    ('measure = "stock"\ntitle = "Asylum seekers in contingency hotel', 'measure = "stocks"\ntitle = "Asylum seekers in contingency hotel',
     "[ho_asylum_support]: metric asylum_hotel_population: field measure: 'stocks' Input should be 'flow' or 'stock'"),
    ('period_type = "day"\ntable = "small_boats_daily"', 'period_type = "days"\ntable = "small_boats_daily"',
     "[small_boats]: metric small_boat_arrivals: field period_type: 'days'"),
    ('publisher = "Home Office"\nlanding_page = "/government/publications/migrants', 'publisher = "Home Office"\nlandng_page = "/government/publications/migrants',
     "[small_boats]: field landing_page: Field required; field landng_page: '/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats' Extra inputs are not permitted"),
    ('release_every = "7 days"', 'release_every = "weekly"', "[small_boats]: field release_every: 'weekly' String should match pattern"),
    ('publication_lag_months = 0    # each', 'publication_lag_months = "0"    # each', "[small_boats]: field publication_lag_months: '0' Input should be a valid integer"),
    ("attachment = '^(?P<day>", "attachment = '^(?P<day", "[small_boats]: field attachment: not a regular expression"),
])
def test_a_mistyped_entry_fails_at_load_naming_file_entry_and_field(tmp_path, old, new, message):
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy(tmp_path, (old, new)))
    assert message in str(err.value)


def test_a_family_without_a_parser_or_schema_fails_at_load(tmp_path, monkeypatch):
    root = catalog_copy(tmp_path)
    (root / "small_boat").mkdir()
    (root / "small_boats" / "source.toml").rename(root / "small_boat" / "source.toml")
    with pytest.raises(CatalogError, match=r"small_boat/source.toml: no parser: flows/sources/small_boat/parser.py"):
        load_catalog(root)
    monkeypatch.setattr(catalog, "SCHEMAS_DIR", tmp_path / "no-schemas")
    with pytest.raises(CatalogError, match=r"no schema: schemas/\w+.py \(a family's schema module is named after its folder\)"):
        load_catalog(catalog_copy(tmp_path / "again"))


def test_a_source_id_used_twice_fails(tmp_path):
    root = catalog_copy(tmp_path)
    (root / "dfe" / "source.toml").write_text((root / "dfe" / "source.toml").read_text() + "\n"
                                             + (root / "small_boats" / "source.toml").read_text())
    with pytest.raises(CatalogError, match=r"\[small_boats\]: source id already used in flows/sources/"):
        load_catalog(root)


def test_a_table_two_families_declare_fails_naming_both(monkeypatch):
    """A newcomer's family reusing a raw table name another family declares (returns) was met with "[ho_returns] metric
    returns_enforced: its SQL fails on an empty raw.returns: Binder Error ...", naming the other family and not the
    clash (audit 25 F6). raw.<table> is one namespace: the catalog check names both schema modules."""
    import sys
    import types

    from flows.catalog import check_tables
    import schemas.dfe
    import schemas.home_office_detailed
    clashing = types.ModuleType("schemas.dfe")
    clashing.TABLES = {**schemas.dfe.TABLES, "returns": schemas.home_office_detailed.TABLES["returns"]}
    monkeypatch.setitem(sys.modules, "schemas.dfe", clashing)
    with pytest.raises(CatalogError, match=r"schemas/(dfe|home_office_detailed)\.py TABLES: table 'returns' is already "
                                           r"declared by schemas/(home_office_detailed|dfe)\.py"):
        check_tables(load_catalog())


@pytest.mark.parametrize("old, new, message", [
    ('value = "migrants_arrived"\nrevision_threshold_abs = 25', 'value = "migrants_arived"\nrevision_threshold_abs = 25',
     "[small_boats] metric small_boat_arrivals: its SQL fails on an empty raw.small_boats_daily: Binder Error"),
    ('period_start = "week_ending - INTERVAL 6 DAY"', 'period_start = "week_ending - INTERVAL 6 DAZE"',
     "[small_boats] metric small_boat_arrivals_weekly: its SQL fails on an empty raw.small_boats_weekly"),
    ('table = "small_boats_daily"', 'table = "small_boats_dialy"',
     "[small_boats] metric small_boat_arrivals: field table: 'small_boats_dialy' is not in schemas/small_boats.py TABLES"),
])
def test_metric_sql_is_checked_against_empty_raw_tables_before_a_load(tmp_path, old, new, message):
    with pytest.raises(CatalogError) as err:
        check_metric_sql(catalog_copy(tmp_path, (old, new)))
    assert message in str(err.value)


def test_the_catalog_as_shipped_loads_and_its_sql_runs():
    sources = load_catalog()
    assert {"small_boats", "ho_returns", "ons_ltim", "dfe_apprenticeships", "moj_outcomes_by_offence"} <= set(sources)
    # every folder with a source.toml is a family the catalog loads (a newcomer's new folder needs no edit here)
    from flows.catalog import SOURCES_DIR
    folders = {p.parent.name for p in SOURCES_DIR.glob("*/source.toml")}
    assert {s.family for s in sources.values()} == folders
    assert {"small_boats", "home_office_detailed", "transparency", "ons_ltim", "dfe", "moj", "adhoc_notes",
            "small_boats_page"} <= folders
    check_metric_sql()


def test_loading_the_catalog_imports_no_parser_nor_pandas():
    import subprocess
    import sys
    code = ("import sys; from flows.catalog import load_catalog; load_catalog(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'pandera') or m.endswith('.parser') or m.startswith('flows.parsing')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_a_metric_sql_typo_fails_a_load_before_anything_is_published(settings, tmp_path, monkeypatch):
    """A catalog metric whose SQL does not run stops `pledges load` before any file is parsed or published,
    naming the source and metric; the published warehouse is unchanged."""
    import dataclasses
    from datetime import date

    from flows.ingest import load_paths
    from tests.sources.small_boats.builders import small_boats_file

    first = small_boats_file(tmp_path / "a", date(2024, 2, 2), start=date(2024, 1, 1), days=20)
    assert [o.status for o in load_paths(settings, [first])] == ["loaded"]
    before = settings.warehouse.read_bytes()
    source = load_catalog()["small_boats"]
    broken = source.metrics[0].model_copy(update={"value": "migrants_arived"})
    monkeypatch.setitem(load_catalog(), "small_boats", dataclasses.replace(source, metrics=(broken, *source.metrics[1:])))
    check_metric_sql.cache_clear()
    try:
        second = small_boats_file(tmp_path / "b", date(2024, 2, 9), start=date(2024, 1, 1), days=27)
        with pytest.raises(CatalogError, match=r"\[small_boats\] metric small_boat_arrivals: its SQL fails on an empty "
                                               r"raw.small_boats_daily"):
            load_paths(settings, [second])
    finally:
        check_metric_sql.cache_clear()
    assert settings.warehouse.read_bytes() == before
