"""The verdict as Cloud Monitoring points: what the accuracy-decline policy and the dashboard read.

Per served version, one point of QUALITY (the manifest's metric over the latest countable window;
none when no window counted) and one of DECLINED (1 when the N-of-M rule holds, else 0), on the
`global` resource of the stack's project. Google's rules for writing them
(https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create, and the
TimeInterval and TimeSeries references of google-cloud-monitoring):
- a point's end time may be at most 25 hours old: windows end days before a run (the label delay),
  so every point is stamped with the run's time, not the window's;
- a GAUGE point's interval is a single instant (start time omitted or equal to the end time);
- one point per series per request, at most 200 series per request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from google.cloud.monitoring_v3 import CreateTimeSeriesRequest, MetricServiceClient, Point, TimeInterval, TimeSeries
from google.protobuf import json_format

from estaleiro.quality.decline import Verdict, VersionVerdict
from estaleiro.quality.series import DECLINED, QUALITY

SERIES_PER_REQUEST = 200


def time_series(
    project: str, model: str, stack: str, metric: str, verdict: Verdict, served: Iterable[str], now: datetime
) -> list[TimeSeries]:
    """Each served version's QUALITY (when a window counted) and DECLINED series, one point each at `now`."""
    interval = TimeInterval(end_time=now)
    resource = {"type": "global", "labels": {"project_id": project}}
    out = []
    for judged in (v for v in verdict.versions if v.version in set(served)):
        labels = {"model": model, "version": judged.version, "stack": stack, "metric": metric}
        latest = _latest(judged, metric)
        if latest is not None:
            point = Point(interval=interval, value={"double_value": latest})
            out.append(TimeSeries(metric={"type": QUALITY, "labels": labels}, resource=resource, points=[point]))
        point = Point(interval=interval, value={"int64_value": int(judged.declined)})
        out.append(TimeSeries(metric={"type": DECLINED, "labels": labels}, resource=resource, points=[point]))
    return out


def requests(project: str, series: Sequence[TimeSeries]) -> list[CreateTimeSeriesRequest]:
    """The series in requests of at most SERIES_PER_REQUEST (each series appears once, so once per request)."""
    return [
        CreateTimeSeriesRequest(name=f"projects/{project}", time_series=series[i : i + SERIES_PER_REQUEST])
        for i in range(0, len(series), SERIES_PER_REQUEST)
    ]


def send(client: MetricServiceClient, batches: Iterable[CreateTimeSeriesRequest]) -> None:
    for request in batches:
        client.create_time_series(request=request)


def to_json(batches: Iterable[CreateTimeSeriesRequest]) -> str:
    """The requests as the REST API's JSON bodies would spell them: what `--local` writes instead of sending."""
    return json.dumps([json_format.MessageToDict(CreateTimeSeriesRequest.pb(request)) for request in batches], indent=2)


def _latest(judged: VersionVerdict, metric: str) -> float | None:
    return judged.judged[-1].metrics[metric] if judged.judged else None
