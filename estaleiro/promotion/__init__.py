"""Promotion: the manifest edits a pull request carries, and the arithmetic of traffic splits."""
