"""hook: see the README's layout table."""
