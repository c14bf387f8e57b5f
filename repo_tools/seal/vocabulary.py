"""The words of `repo_tools/seal`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/seal/seals.py
REASONS = {"lost": "遗失", "damaged": "损坏", "custodian-change": "更换保管人", "unit-change": "单位变更",
           "compromised": "泄露", "destroyed": "销毁"}

# the seal's typeface (GB/T 9704: 宋体), as CSS font families, the installed Noto Serif CJK first
FONT_STACK = "'Noto Serif CJK SC', 'Source Han Serif SC', 'Songti SC', SimSun, '宋体', serif"
