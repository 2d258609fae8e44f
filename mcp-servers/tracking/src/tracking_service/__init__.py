"""MCP service tracking food orders: delivery timeline, courier and ETA of the caller's order."""
