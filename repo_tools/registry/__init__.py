"""registry: see the README's layout table."""
