"""Official-document system on Git: per-unit repositories, signed commits as signatures,
the unit seal key's merge as the electronic seal, hooks that enforce the regulation."""
__version__ = "0.1.0"
