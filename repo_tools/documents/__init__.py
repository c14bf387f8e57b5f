"""documents: see the README's layout table."""
