"""identity: see the README's layout table."""
