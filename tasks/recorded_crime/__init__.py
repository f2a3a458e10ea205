"""The constabulary's offence-coded crime extract: schema, read, checks, conform and generate."""
