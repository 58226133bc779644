"""The DuckDB warehouse: connection, lock, atomic publish, derived-table SQL, the pledge register."""
