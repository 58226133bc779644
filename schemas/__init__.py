"""Pandera models, one module per source family. Each module maps table names to models in TABLES."""
