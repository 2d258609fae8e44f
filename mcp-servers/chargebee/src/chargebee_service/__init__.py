"""The chargebee MCP service: billing customers, subscriptions and invoices as read-only tools."""
