"""The rule language: YAML loading, JSON Schemas, cycle and period files, validation, expressions, compilation."""
