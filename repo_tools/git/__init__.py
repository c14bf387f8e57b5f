"""git: see the README's layout table."""
