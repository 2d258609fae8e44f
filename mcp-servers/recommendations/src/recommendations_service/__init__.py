"""MCP service recommending menu dishes that fit a customer's diet, allergies, tastes and order history."""
