"""The shared reading toolkit every source parser uses (flows/sources/<family>/parser.py).

Labels are normalised in one place (labels.py); files are checked before they are opened (files.py,
ods_check.py); tables are found by content, never by position (workbook.py, headers.py); cells and
dates are read as UK publishers write them (cells.py).
"""
from flows.parsing.labels import MISSING_MARKERS, clean_label, label_key, column_name, is_missing  # noqa: F401
from flows.parsing.files import UnsafeFile, SPREADSHEET_KINDS, check_spreadsheet, spreadsheet_kind, check_archive  # noqa: F401
from flows.parsing.ods_check import ODS_MAX_ROWS, ODS_MAX_COLUMNS, ODS_MAX_CELLS, check_ods_grid  # noqa: F401
from flows.parsing.workbook import open_document, Workbook, head_labels, HeaderMatch, find_header, locate_table, TableCutShort, TableNotFound, read_each, Table, map_values, cut_table, cell_types  # noqa: F401
from flows.parsing.headers import sheet_key, id_pattern, ColumnSpec, column_specs, one_of_groups, SpecHeader, match_columns, find_spec_header, header_problems, header_failures, cut_spec_table  # noqa: F401
from flows.parsing.cells import parse_numbers, clean_text, add_quarter_periods, parse_date_text, day_of_page_time, add_stock_periods  # noqa: F401
