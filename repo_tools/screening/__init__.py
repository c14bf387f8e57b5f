"""Screening what a push brings, below the level of documents: every new object (trees, blobs
reached from commits or tags), tree entry names, the text encodings a 公文 uses, images by
content, and containers (zip-based office files) opened and inspected inside.

Pure functions over bytes and parsed objects; the rules in `repo_tools.hook.rules` turn their
findings into refusals.
"""
