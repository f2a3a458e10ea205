"""The constabulary's offence-coded crime extract: schema, read, checks and conform (its generator is synth/recorded_crime.py)."""
