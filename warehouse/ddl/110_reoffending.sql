create table if not exists fact_moj_reoffending (
    layout text not null,
    geography_level text not null,
    geography text not null,
    authority_code text,
    category_code text,
    category text not null,
    subcategory1 text,
    subcategory2 text,
    adult_juvenile text not null,
    cohort_label text not null,
    period_start date not null,
    period_end date not null,
    period_type text not null,
    offenders bigint,
    reoffenders bigint,
    reoffences bigint,
    suppressed boolean not null,
    source_row integer not null,
    load_id bigint not null
);
comment on table fact_moj_reoffending is 'One row per published row of an MoJ proven reoffending table: layout overview (national breakdowns) or geographic (data tool: authority totals, UTLA totals); category letter prefixes stripped into category_code; cohort labels parsed into period_start, period_end and period_type; withheld counts null with suppressed true.';

create table if not exists fact_moj_reoffending_series (
    measure text not null,
    period_type text not null,
    period_start date not null,
    period_end date not null,
    adult_juvenile text not null,
    rate text not null,
    value float8,
    source_row integer not null,
    load_id bigint not null
);
comment on table fact_moj_reoffending_series is 'One row per published figure of the national proven reoffending series (measure new/old methodology; rate cohort, reoffenders, reoffences, binary %, frequency, adjusted, OGRS4); an empty figure is null, never zero.';

create table if not exists quarantine.quarantine_moj_reoffending (
    layout text not null,
    partition_key text,
    source_row integer not null,
    values_json text not null,
    rule text not null,
    load_id bigint not null
);
-- warehouses made before partition_key existed gain it here
alter table quarantine_moj_reoffending add column if not exists partition_key text;
comment on table quarantine_moj_reoffending is 'One row per held-back MoJ table row: its values as published (JSON), the rules it broke, and partition_key, the fact partition it belongs to (layout and cohort period, or series measure and unit; its file where the period cannot be read), replaced with that partition.';

create table if not exists fact_reoffending_cohort (
    cohort_start date not null,
    cohort_end date not null,
    offender_key text not null,
    authority_code text not null,
    authority_name text not null,
    bcu text,
    sex text not null,
    age_at_index smallint not null,
    is_youth boolean not null,
    ethnic_group text not null,
    index_offence_group text not null,
    reoffended boolean not null,
    reoffence_count integer not null,
    source_row integer not null,
    load_id bigint not null
);
comment on table fact_reoffending_cohort is 'One row per offender in a quarterly local reoffending cohort (pseudonymous key), with authority, BCU, sex, age at index, youth (10-17), ethnic group, index offence group and whether and how often they reoffended.';

create table if not exists fact_reoffence (
    cohort_start date not null,
    offender_key text not null,
    position smallint not null,
    reoffence_group text not null,
    load_id bigint not null
);
comment on table fact_reoffence is 'One row per offence group listed for a reoffender in the cohort extract, in the order listed.';

create table if not exists quarantine.quarantine_reoffending_cohort (
    file_cohort_start date not null,
    offender_key text,
    cohort_start text,
    district text,
    sex text,
    age_at_index text,
    ethnic_group text,
    index_offence_group text,
    reoffended text,
    reoffence_count text,
    reoffence_groups text,
    source_row integer not null,
    rule text not null,
    load_id bigint not null
);
comment on table quarantine_reoffending_cohort is 'One row per held-back cohort extract row, the values read and the rules broken (;-separated).';
