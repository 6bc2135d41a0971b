"""Rollout: the manifest edits serving changes are made of (promote, ramp, complete, rollback).

Each step computes its edit in memory, has the repository's promotion rules judge it (the
same engine `estaleiro check` runs, see `estaleiro.gate`) and returns it with its pull
request text; only then may a command write it. The training pipeline calls the same steps.
"""
