"""Served quality from late ground truth: one SQL query per window and version, and the N-of-M decline rule."""
