"""FlowPlanner: a conversation message planned over the caller's session, stage by stage.

The first call reads the message (the plug-in's intent reader, which sees its state: items shown,
cart, pending confirmation), picks the intent's flow and checks its preconditions; each call then
records the previous stage's results by call name, stops at a required call that failed, derives
the variables of the next stage and returns its plan. Steps are validated and executed by the
engine like any plan; only calls a flow declares `writes=True` may change data.
"""

from __future__ import annotations

from orchestrator.conversation.expressions import arguments, should_run
from orchestrator.conversation.flows import Turn
from orchestrator.conversation.plugin import ConversationPlugin
from orchestrator.core.requests import Message
from orchestrator.core.run import Run
from orchestrator.planning.base import Plan, Step
from orchestrator.tools.catalog import Catalog


class FlowPlanner:
    """The plan of each stage of the message's flow."""

    name = "flows"

    def __init__(self, plugin: ConversationPlugin) -> None:
        self.plugin = plugin

    async def plan(self, run: Run, catalog: Catalog) -> Plan | None:
        turn = run.state if isinstance(run.state, Turn) else await self._begin(run)
        if turn.unmet is not None or not self._recorded(turn, run):
            return None
        flow = turn.flow
        while turn.stage < len(flow.stages):
            stage = flow.stages[turn.stage]
            turn.stage += 1
            turn.vars = self.plugin.derive(turn)
            calls = [call for call in stage if should_run(call, turn.vars)]
            if calls:
                turn.planned = calls
                steps = [Step(tool=c.tool, arguments=arguments(c, turn), writes_allowed=c.writes) for c in calls]
                return Plan(intent=flow.intent, steps=steps, confidence=turn.intent.confidence, planner=self.name)
        return None

    async def _begin(self, run: Run) -> Turn:
        message, session = run.request, run.session
        assert isinstance(message, Message) and session is not None, "a flow plans a message in a session"
        state = self.plugin.open(session)
        intent = await self.plugin.read(message.text, state)
        flow = self.plugin.flows.get(intent.name) or self.plugin.flows[self.plugin.fallback]
        turn = Turn(message.text, run.caller, session, state, intent, flow)
        run.state = turn
        run.notes |= {
            "intent_confidence": intent.confidence,
            "classifier": self.plugin.reader,
            "intent_source": intent.source,
            "slots": sorted(intent.slots),
        }
        turn.unmet = next((need for need in flow.needs if not need.holds(turn)), None)
        return turn

    def _recorded(self, turn: Turn, run: Run) -> bool:
        """File the last stage's results under their call names; False when a required call failed."""
        outcomes, planned, turn.planned = run.outcomes, turn.planned, []
        for call, result in zip(planned, outcomes, strict=True):
            turn.results[call.name] = result
            if result.status != "ok" and not call.optional and turn.failed is None:
                turn.failed = (call, result)
        return turn.failed is None
