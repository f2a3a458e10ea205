"""data.police.uk street-level crime and ASB: schema, read, conform, fetch and generate."""
