"""verify: see the README's layout table."""
