"""Channel adapters' framework-free half: sender links, replay guards, reply rendering, signed callbacks.

The HTTP half (signature checks, payload parsing, the channel's reply format) is in `api/channels_*.py`;
both sides end in `ChannelTurns.converse`, which runs the message through the same `Engine.handle`
as `POST /orchestrate`.
"""
