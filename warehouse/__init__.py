"""The warehouse: DDL, marts as SQL files, engines and bulk loads for DuckDB and PostgreSQL."""
