"""``python -m appraise``."""
from appraise.cli import main

main()
