"""Stages of the pipeline: pure functions per feed and shared stages, with thin Prefect task wrappers."""
