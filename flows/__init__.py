"""Prefect flows, the CLI, discovery and ingestion for the pledge tracker."""
