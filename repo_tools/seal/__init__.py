"""seal: see the README's layout table."""
