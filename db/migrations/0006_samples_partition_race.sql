-- Two writers (two replicas, or the sink and the partition job) can both find a day's partition missing: the second
-- CREATE then fails with duplicate_table (its catalog snapshot predates the first one's commit, even after the
-- advisory lock). The partition exists either way, which is all the caller needs.
CREATE OR REPLACE FUNCTION ensure_samples_partition(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  partition_name text := 'samples_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(partition_name) IS NOT NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('flightdeck.samples_partition'));
  IF to_regclass(partition_name) IS NULL THEN
    BEGIN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF samples FOR VALUES FROM (%L) TO (%L)',
        partition_name,
        (day::timestamp AT TIME ZONE 'UTC'),
        ((day + 1)::timestamp AT TIME ZONE 'UTC')
      );
    EXCEPTION WHEN duplicate_table THEN
      NULL;
    END;
  END IF;
END;
$$;
