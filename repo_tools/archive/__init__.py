"""archive: see the README's layout table."""
