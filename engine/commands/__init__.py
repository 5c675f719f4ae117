"""`appraise` sub-commands: each parses arguments, calls one library function and returns an exit code."""
