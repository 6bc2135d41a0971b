"""Kubeflow pipelines: the model image they run in, compiling, and running them on this machine."""
