"""The ``sigmalang`` command line."""
