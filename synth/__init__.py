"""Realistic generated inputs for the demo's bundled sample, the tests and the benchmarks, one
module per feed, each writing files in the feed's real format and quirks (shared/specs).

Nothing the pipeline runs imports this package (tests/unit/test_layout.py checks): a real
warehouse only ever loads what a partnership sends.
"""
