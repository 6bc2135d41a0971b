-- Served quality per window and per deployed version, from the request log and late ground truth.
-- BigQuery's dialect; estaleiro/quality/query.py names the tables and transpiles it for DuckDB.
--
-- request_log: the table Vertex AI's request-response logging creates (estaleiro/quality/log_table.py cites
--   Google's descriptions): one row per request; request_payload and response_payload are ARRAY<STRING>, the
--   JSON of each instance and of each prediction in the request's order; request_id is Vertex's own (NUMERIC)
--   and is not read. Only columns both schema versions (v1, v2) share are read. Instance i is paired with
--   prediction i (UNNEST ... WITH OFFSET); the instance's `request_key` (a field the client sets, a JSON string
--   or number) joins it to its label; the prediction (the model server's probability of the positive class, a
--   JSON number or a string holding one) that does not read as a number counts as unreadable.
-- ground_truth: request_key (STRING), label (0 or 1), label_time; a key may be labelled more than once.
--
-- @as_of TIMESTAMP: the run's time; labels that arrive later are not read, so a rerun agrees.
-- @window_micros INT64: window width; windows are aligned to the Unix epoch (1d: UTC midnight).
-- @label_delay_micros INT64: a window is measured once it ended at least this long before @as_of.
-- @windows INT64: how many matured windows, counting back from the latest.
WITH
bounds AS (
  -- Micro-seconds throughout: sqlglot turns UNIX_SECONDS into a cast that rounds, which would move a
  -- request at 23:59:59.7 into the next day; UNIX_MICROS becomes DuckDB's exact EPOCH_US. DIV's first
  -- argument is parenthesised because sqlglot 30.30 drops the grouping of a difference inside DIV
  -- (and of a product as its second argument, hence widths as plain micro-second parameters).
  SELECT
    TIMESTAMP_MICROS(DIV((UNIX_MICROS(@as_of) - @label_delay_micros), @window_micros)
      * @window_micros) AS matured,
    TIMESTAMP_MICROS((DIV((UNIX_MICROS(@as_of) - @label_delay_micros), @window_micros)
      - @windows) * @window_micros) AS since
),
instances AS (
  SELECT
    request_log.deployed_model_id,
    request_log.logging_time,
    JSON_VALUE(instance, '$.request_key') AS request_key,
    SAFE_CAST(JSON_VALUE(request_log.response_payload[SAFE_OFFSET(position)], '$') AS FLOAT64) AS score
  FROM request_log CROSS JOIN UNNEST(request_log.request_payload) AS instance WITH OFFSET AS position
  WHERE request_log.logging_time <= @as_of
),
logged AS (
  SELECT
    deployed_model_id,
    request_key,
    TIMESTAMP_MICROS(DIV(UNIX_MICROS(logging_time), @window_micros) * @window_micros)
      AS window_start,
    score
  FROM instances CROSS JOIN bounds
  WHERE logging_time >= bounds.since AND logging_time < bounds.matured
),
-- The latest label of each key wins; ties on label_time go to the higher label, so reruns agree.
received AS (
  SELECT
    request_key,
    label,
    COUNT(*) OVER (PARTITION BY request_key) AS copies
  FROM ground_truth
  WHERE label_time <= @as_of
  QUALIFY ROW_NUMBER() OVER (PARTITION BY request_key ORDER BY label_time DESC, label DESC) = 1
),
label_counts AS (
  SELECT
    COALESCE(SUM(received.copies - 1), 0) AS duplicate_labels,
    COALESCE(COUNTIF(known.request_key IS NULL), 0) AS unknown_labels  -- DuckDB: NULL over no rows
  FROM received
  LEFT JOIN (SELECT DISTINCT request_key FROM instances) AS known ON known.request_key = received.request_key
),
-- AUC by ranks (Mann-Whitney): a tied score gets the mean of its ranks, (first + last) / 2.
labelled AS (
  SELECT
    logged.deployed_model_id,
    logged.window_start,
    logged.score,
    received.label,
    (
      RANK() OVER (PARTITION BY logged.deployed_model_id, logged.window_start ORDER BY logged.score)
      + COUNT(*) OVER (
        PARTITION BY logged.deployed_model_id, logged.window_start ORDER BY logged.score
        RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      )
    ) / 2 AS mid_rank
  FROM logged JOIN received ON received.request_key = logged.request_key
  WHERE logged.score IS NOT NULL
),
measured AS (
  SELECT
    deployed_model_id,
    window_start,
    COUNT(*) AS labelled,
    COUNTIF(label = 1) AS positives,
    SUM(IF(label = 1, mid_rank, 0)) AS positive_ranks,
    AVG(IF((score >= 0.5) = (label = 1), 1, 0)) AS accuracy,
    -- Clipped to [eps, 1 - eps] with eps the float64 machine epsilon, as scikit-learn's log_loss does.
    AVG(
      -IF(
        label = 1,
        LN(GREATEST(LEAST(score, 1 - 2.220446049250313e-16), 2.220446049250313e-16)),
        LN(GREATEST(LEAST(1 - score, 1 - 2.220446049250313e-16), 2.220446049250313e-16))
      )
    ) AS log_loss,
    AVG((score - label) * (score - label)) AS brier,
    COUNTIF(score >= 0.5 AND label = 1) / GREATEST(COUNTIF(score >= 0.5), 1) AS precision,
    COUNTIF(score >= 0.5 AND label = 1) / GREATEST(COUNTIF(label = 1), 1) AS recall
  FROM labelled
  GROUP BY deployed_model_id, window_start
),
served AS (
  SELECT deployed_model_id, window_start, COUNT(score) AS predictions, COUNTIF(score IS NULL) AS unreadable
  FROM logged
  GROUP BY deployed_model_id, window_start
)
SELECT
  served.window_start,
  TIMESTAMP_MICROS(UNIX_MICROS(served.window_start) + @window_micros) AS window_end,
  served.deployed_model_id,
  served.predictions,
  COALESCE(measured.labelled, 0) AS labelled,
  SAFE_DIVIDE(COALESCE(measured.labelled, 0), served.predictions) AS coverage,
  SAFE_DIVIDE(
    measured.positive_ranks - measured.positives * (measured.positives + 1) / 2,
    measured.positives * (measured.labelled - measured.positives)
  ) AS auc,
  measured.log_loss,
  measured.brier,
  measured.accuracy,
  measured.precision,
  measured.recall,
  served.unreadable,
  label_counts.duplicate_labels,
  label_counts.unknown_labels
FROM served
LEFT JOIN measured
  ON measured.deployed_model_id = served.deployed_model_id AND measured.window_start = served.window_start
CROSS JOIN label_counts
ORDER BY served.deployed_model_id, served.window_start
