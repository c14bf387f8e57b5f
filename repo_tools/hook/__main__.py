"""`python -m repo_tools.hook pre-receive|post-receive|pre-commit`: what the shims in hooks/ run."""
import os
import sys

# No third-party pydantic plugin runs inside the hook (nothing installed beside the interpreter
# may watch or change what the document rules validate), and none is searched for: the search
# reads the metadata of every installed distribution on every push.
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"

from repo_tools.hook.entry import main  # noqa: E402

sys.exit(main())
