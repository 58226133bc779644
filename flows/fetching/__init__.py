"""Fetching, by responsibility: bounded, retried, host-checked HTTP (http.py); what discovery finds and the strict
readers of publishers' JSON (pages.py); discovery per publisher (govuk.py, ons.py, dfe.py); downloads and the
record of each URL's last download (files.py). flows/fetch.py picks a source's discoverer and re-exports these."""
