"""Prefect flows (wiring only) and the csp-pipeline command."""
