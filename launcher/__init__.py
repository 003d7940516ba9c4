"""The `ceremony` command: wires the pure core, the media engine and the GUIs together."""
