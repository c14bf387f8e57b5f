"""review: see the README's layout table."""
