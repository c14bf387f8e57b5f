"""OpenPGP beyond python-gnupg's one-signature-per-process calls: checking many detached
signatures with one gpg run (a push of 2,000 signed commits)."""
