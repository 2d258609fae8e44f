"""MCP service exposing the restaurant menu: dishes, prices, dietary tags, allergens, availability."""
