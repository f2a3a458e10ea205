"""Home Office police recorded crime by Community Safety Partnership: xlsx (a sheet per year) or CSV."""
