"""MCP service exposing customer food profiles: diets, allergies, favourite cuisines, loyalty, addresses."""
