"""One folder per published layout family: source.toml (catalog entries), parser.py, README.md."""
