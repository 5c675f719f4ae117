"""The columnar core: a compiled ruleset and input tables in, one evaluated table (with its provenance) out."""
