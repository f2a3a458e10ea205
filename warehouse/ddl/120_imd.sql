-- The English Indices of Deprivation 2019 by LSOA (2011), as MHCLG publishes them, and mySociety's IMD score.
create table if not exists ref_imd (
    lsoa_code text not null,
    lsoa_name text,
    authority_code text,
    authority_name text,
    imd_rank integer not null,
    imd_decile integer not null,
    load_id bigint not null
);
comment on table ref_imd is 'One row per LSOA (2011) of England: its Index of Multiple Deprivation 2019 rank (1 = most deprived of 32,844) and decile (1 = most deprived 10%), from MHCLG''s File 1.';

create table if not exists ref_imd_domains (
    lsoa_code text not null,
    lsoa_name text,
    authority_code text,
    authority_name text,
    imd_rank integer not null,
    imd_decile integer not null,
    income_rank integer not null,
    income_decile integer not null,
    employment_rank integer not null,
    employment_decile integer not null,
    education_rank integer not null,
    education_decile integer not null,
    health_rank integer not null,
    health_decile integer not null,
    crime_rank integer not null,
    crime_decile integer not null,
    barriers_rank integer not null,
    barriers_decile integer not null,
    living_environment_rank integer not null,
    living_environment_decile integer not null,
    load_id bigint not null
);
comment on table ref_imd_domains is 'One row per LSOA (2011) of England: the rank and decile of the IMD 2019 and of each of its seven domains, Crime among them (1 = most deprived), from MHCLG''s File 2.';

create table if not exists ref_imd_population (
    lsoa_code text not null,
    lsoa_name text,
    authority_code text,
    authority_name text,
    population integer not null,
    children_0_15 integer not null,
    adults_16_59 integer not null,
    older_60_plus integer not null,
    working_age integer not null,
    load_id bigint not null
);
comment on table ref_imd_population is 'One row per LSOA (2011) of England: the mid-2015 population denominators of the indices (excluding prisoners), from MHCLG''s File 6.';

create table if not exists ref_imd_score (
    nation text not null,
    lsoa_code text not null,
    imd_score float8 not null,
    income_rate_percent float8,
    employment_rate_percent float8,
    load_id bigint not null
);
comment on table ref_imd_score is 'One row per small area of the UK in mySociety''s composite index (CC BY 4.0: attribute mySociety): for England (nation E) the IoD2019 IMD score and the income and employment domain rates in percent; other nations'' scores are on their own scales.';
