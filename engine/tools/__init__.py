"""Tools built on the pipeline: ruleset diffs, ruleset tests and their coverage, the demo company, the workshop."""
