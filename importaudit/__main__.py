"""`python -m importaudit`: the same entry point as the `importaudit` command."""

from importaudit.cli import main

if __name__ == "__main__":
    main()
