create table if not exists fact_ho_csp_crime (
    financial_year text not null,
    financial_quarter smallint,
    force_name text,
    csp_name text not null,
    csp_code text,
    authority_code text,
    authority_name text,
    bcu text,
    offence_code text not null,
    offence_description text,
    offence_group text,
    offence_subgroup text,
    offences bigint not null,
    is_negative boolean not null,
    sheet text,
    source_row integer not null,
    load_id bigint not null
);
comment on table fact_ho_csp_crime is 'One row per published Home Office row: offences by CSP, offence code and financial year (and quarter where published); negative counts are recording corrections, kept and flagged.';

create table if not exists quarantine.quarantine_ho_csp_crime (
    period text not null,
    financial_year text,
    financial_quarter text,
    force_name text,
    csp_name text,
    offence_description text,
    offence_group text,
    offence_subgroup text,
    offence_code text,
    offences text,
    sheet text,
    source_row integer not null,
    rule text not null,
    load_id bigint not null
);
comment on table quarantine_ho_csp_crime is 'One row per Home Office row held back by the raw suite, as published, with the rules broken.';
