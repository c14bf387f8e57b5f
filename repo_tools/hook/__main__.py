"""`python -m repo_tools.hook pre-receive|post-receive|pre-commit`: what the shims in hooks/ run."""
import sys

from repo_tools.hook.entry import main

sys.exit(main())
