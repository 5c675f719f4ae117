"""``python -m appraise``."""
from .cli import main

main()
