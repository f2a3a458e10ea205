create table if not exists ref_population (
    year integer not null,
    lsoa_code text not null,
    population bigint not null,
    load_id bigint not null
);
comment on table ref_population is 'One row per LSOA per year: ONS mid-year population estimate, the denominator of rates per 1,000.';

create table if not exists ref_css_weights_policeuk (
    police_uk_crime_type text not null,
    n_offence_weights integer,
    mean_weight float8,
    median_weight float8,
    min_weight float8,
    max_weight float8,
    weight float8,
    weight_statistic text not null,
    weights_version text not null,
    load_id bigint not null
);
comment on table ref_css_weights_policeuk is 'One row per police.uk crime type: an approximate ONS Crime Severity Score weight (the median of its offences'' weights); ASB has none.';

create table if not exists ref_threat_ranking (
    rank integer not null,
    threat text not null,
    organisational_risk_indicator integer not null,
    load_id bigint not null
);
comment on table ref_threat_ranking is 'One row per threat: the partnership''s MORILE ranking (Table 1), indicator 1-5 where 5 is least effectively mitigated.';

create table if not exists ref_offence_classification (
    offence_code text not null,
    offence_description text,
    offence_group text,
    offence_subgroup text,
    weight float8,
    police_uk_crime_type text,
    weights_version text not null,
    load_id bigint not null
);
comment on table ref_offence_classification is 'One row per Home Office offence code: description, group, subgroup, police.uk type and ONS Crime Severity Score weight of the version named.';

create table if not exists ref_serious_violence_rules (
    rule_id text not null,
    label text,
    offence_group text,
    offence_subgroup text,
    offence_code text,
    flag text,
    load_id bigint not null
);
comment on table ref_serious_violence_rules is 'The serious violence definition as rules: a crime is serious violence when every non-empty condition of any rule holds.';

create table if not exists ref_age_bands (
    band_set text not null,
    label text not null,
    min_age integer not null,
    max_age integer not null,
    load_id bigint not null
);
comment on table ref_age_bands is 'Age bands by use (victim_offender, reoffender): inclusive min and max age; configurable, every age covered.';

create table if not exists ref_outcome_groups (
    last_outcome_category text not null,
    outcome_group text not null,
    group_order integer not null,
    note text,
    load_id bigint not null
);
comment on table ref_outcome_groups is 'One row per data.police.uk last outcome category: the outcome group mart_outcomes reports it in (charged or summonsed, other action, no suspect identified, unable to prosecute, under investigation, status unavailable), with why.';
