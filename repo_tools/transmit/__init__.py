"""transmit: see the README's layout table."""
