"""The export stage: the results document of SPEC and the files HR opens (JSON, CSV, Excel, errors, manifest)."""
