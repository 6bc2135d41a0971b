"""This repository's policies: promotion rules (plain functions) and checkov custom checks."""
