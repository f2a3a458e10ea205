"""data.police.uk street-level crime and ASB: schema, read, conform and fetch (its generator is synth/police_uk.py)."""
