"""The `lipwright` command line."""
