-- PostgreSQL only: an index on each fact and quarantine table's partition key, which every load
-- deletes, inserts and counts by. Without one, each of a national run's 1,548 loads scanned the
-- whole street table (17,976,060 rows loaded at a falling 5,000 rows/s). DuckDB prunes by its
-- row groups' min/max instead (rows arrive in partition order), and its indexes slow inserts.
create index if not exists ix_fact_street_crime_partition on fact_street_crime (force, month);
create index if not exists ix_quarantine_street_crime_partition on quarantine_street_crime (force, file_month);
create index if not exists ix_fact_recorded_crime_partition on fact_recorded_crime (force, month);
create index if not exists ix_quarantine_recorded_crime_partition on quarantine_recorded_crime (force, file_month);
create index if not exists ix_fact_reoffending_cohort_partition on fact_reoffending_cohort (cohort_start);
create index if not exists ix_fact_reoffence_partition on fact_reoffence (cohort_start);
create index if not exists ix_quarantine_reoffending_cohort_partition on quarantine_reoffending_cohort (file_cohort_start);
create index if not exists ix_fact_young_persons_response_partition on fact_young_persons_response (wave);
create index if not exists ix_quarantine_young_persons_response_partition on quarantine_young_persons_response (file_wave);
create index if not exists ix_fact_ho_csp_crime_partition on fact_ho_csp_crime (financial_year);
create index if not exists ix_quarantine_ho_csp_crime_partition on quarantine_ho_csp_crime (period);
create index if not exists ix_etl_stage_itk_response_partition on etl_stage_itk_response (export_date);
create index if not exists ix_etl_stage_itk_response_issue_partition on etl_stage_itk_response_issue (export_date);
create index if not exists ix_quarantine_itk_response_partition on quarantine_itk_response (export_date);
create index if not exists ix_fact_moj_reoffending_partition on fact_moj_reoffending (layout, period_start, period_type);
create index if not exists ix_fact_moj_reoffending_series_partition on fact_moj_reoffending_series (measure, period_type);
create index if not exists ix_quarantine_moj_reoffending_partition on quarantine_moj_reoffending (partition_key);
create index if not exists ix_quarantine_reference_partition on quarantine_reference (feed);
create index if not exists ix_ref_boundary_partition on ref_boundary (layer);
