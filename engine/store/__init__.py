"""The results store: every run of every cycle and the current results of each, with its schema migrations."""
