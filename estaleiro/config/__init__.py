"""The edge: every file is read and validated here, once, into typed immutable objects."""
