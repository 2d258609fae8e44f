"""MCP service for food orders: place, read, list and cancel orders that advance through a delivery lifecycle."""
