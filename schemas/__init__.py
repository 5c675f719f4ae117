"""Package data folder."""
