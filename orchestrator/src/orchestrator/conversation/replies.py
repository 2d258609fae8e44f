"""ConversationReplies: the `Renderer` of conversation messages.

It asks the flow's outcome handler for the reply (or the unmet precondition's reply, or the
plug-in's reply for a required call that failed), lets the plug-in store its state back into the
session, and returns the reply with the flow's typed data and suggestions. The reply of a turn that
called a tool that writes is noted on the session, so that a session that cannot be saved still
tells the user how the write went (`state.sessions`).
"""

from __future__ import annotations

from orchestrator.conversation.flows import Turn
from orchestrator.conversation.plugin import ConversationPlugin
from orchestrator.core.run import Rendered, Run


class ConversationReplies:
    """The reply to a turn, from the flow's outcome handler."""

    def __init__(self, plugin: ConversationPlugin) -> None:
        self.plugin = plugin
        self.name = plugin.name

    async def render(self, run: Run) -> Rendered:
        turn = run.state
        assert isinstance(turn, Turn), "a conversation reply needs the turn its flow planner made"
        turn.vars = self.plugin.derive(turn)
        flow = turn.flow
        if turn.unmet is not None:
            reply = turn.unmet.reply(turn)
        elif turn.failed is not None:
            reply = self.plugin.call_failed(turn, *turn.failed)
        else:
            reply = await flow.outcome(turn)
        if any(call.writes and call.name in turn.results for call in flow.calls()):
            turn.session.note_write(reply.text)
        run.notes |= self.plugin.close(turn)
        data = reply.data if reply.data is not None else (turn.result(flow.data) if flow.data else None)
        return Rendered(
            reply.text,
            turn.intent.confidence,
            self.name,
            data=data,
            suggestions=reply.suggestions or flow.suggestions,
            intent=flow.intent,
        )
