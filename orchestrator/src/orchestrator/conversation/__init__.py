"""Conversations for POST /orchestrate: intents and slots, declarative flows, sessions."""
