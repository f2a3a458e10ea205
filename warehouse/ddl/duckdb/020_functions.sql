-- The financial year (April to March) every mart and analyst computes the same way; the same
-- functions exist on PostgreSQL (ddl/postgresql/020_functions.sql).
-- csp_fy_start(d): the calendar year the financial year of date d starts in (2019 for 2020-03-31).
create or replace macro csp_fy_start(d) as
    case when extract(month from d) >= 4 then cast(extract(year from d) as integer)
         else cast(extract(year from d) as integer) - 1 end;

-- csp_financial_year(fy_start): its label, 2019 -> '2019/20'.
create or replace macro csp_financial_year(fy_start) as
    cast(fy_start as text) || '/' || right(cast(fy_start + 1 as text), 2);
