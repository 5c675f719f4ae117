"""The provide stage: every source's provider asked for its tables, checked together, handed to the core."""
