"""Reference data: ONS geography lookups, the force's BCU grouping and the police.uk force list."""
