"""Watching what serves: request logging, drift monitors, notification channels, alert policies, dashboards."""
