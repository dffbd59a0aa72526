"""Measurements against the shared corpus, run by hand: ``python -m bench.<name>``."""
