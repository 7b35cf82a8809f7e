"""The version of importaudit, kept in one place (read by setuptools and at run time)."""

__version__ = "0.1.0"
