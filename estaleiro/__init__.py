"""Estaleiro: a GitOps shipyard for MLOps on Google Cloud, declared with Pulumi."""
