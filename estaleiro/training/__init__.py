"""Continuous training: the plain functions the pipeline's steps call (one module per step)."""
