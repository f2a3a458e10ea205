"""Proven reoffending: MoJ published tables and the local cohort extract."""
