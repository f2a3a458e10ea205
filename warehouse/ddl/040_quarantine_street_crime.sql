create table if not exists quarantine.quarantine_street_crime (
    file_month date not null,
    force text not null,
    crime_id text,
    month text,
    reported_by text,
    falls_within text,
    longitude float8,
    latitude float8,
    location text,
    lsoa_code text,
    lsoa_name text,
    crime_type text,
    last_outcome_category text,
    context text,
    source_row integer not null,
    rule text not null,
    raw_text text,
    load_id bigint not null
);
-- warehouses made before raw_text existed gain it here
alter table quarantine_street_crime add column if not exists raw_text text;
comment on table quarantine_street_crime is 'One row per street row held back: by the raw suite, with its original values and every rule it broke; or as read (malformed_row, unparseable_number), with its data row number and its text in raw_text.';
