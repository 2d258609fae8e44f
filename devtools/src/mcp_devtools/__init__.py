"""Development-only tools of the workspace: test helpers, emulators, the local stack (never in an image)."""
