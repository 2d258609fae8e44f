"""MCP service exposing a HubSpot CRM contact, deals and support tickets as typed, read-only tools."""
