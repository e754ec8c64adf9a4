"""`python -m scorer` runs the CLI."""

from scorer.cli import main

main()
