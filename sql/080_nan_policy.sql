-- The NaN/±Infinity policy (src/values.ts for JS values) as SQL, in one place: a numeric column stores a
-- non-finite double as NULL and names it in a `special` column, so aggregates work and nothing is lost.
CREATE MACRO finite_or_null(d) AS CASE WHEN isfinite(d) THEN d END;
CREATE MACRO special_of(d) AS CASE
  WHEN isnan(d) THEN 'NaN'
  WHEN d = 'Infinity'::DOUBLE THEN 'Infinity'
  WHEN d = '-Infinity'::DOUBLE THEN '-Infinity'
END;
COMMENT ON MACRO finite_or_null IS 'The NaN policy, value half: d when it is a finite number, else NULL (NaN and ±Infinity are named by special_of).';
COMMENT ON MACRO special_of IS 'The NaN policy, marker half: ''NaN'', ''Infinity'' or ''-Infinity'' when d is not finite, else NULL; stored in the special column beside a value that finite_or_null made NULL.';
