-- The financial year (April to March) every mart and analyst computes the same way; the same
-- functions exist on DuckDB (ddl/duckdb/020_functions.sql). SQL and immutable, so the planner
-- inlines them.
-- csp_fy_start(d): the calendar year the financial year of date d starts in (2019 for 2020-03-31).
create or replace function csp_fy_start(d date) returns integer language sql immutable parallel safe as $$
    select case when extract(month from d) >= 4 then cast(extract(year from d) as integer)
                else cast(extract(year from d) as integer) - 1 end
$$;

-- csp_financial_year(fy_start): its label, 2019 -> '2019/20'.
create or replace function csp_financial_year(fy_start integer) returns text language sql immutable parallel safe as $$
    select cast(fy_start as text) || '/' || right(cast(fy_start + 1 as text), 2)
$$;
