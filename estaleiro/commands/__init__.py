"""One module per command; each is a typed function that returns its exit code."""
