"""Start-up checks of a conversation plug-in: its flows hold together, and with the catalog.

`flow_problems` (at app creation, before anything connects): every flow's outcome handler (and
the plug-in's `call_failed`) is declared with `@outcome`, and every reply template one of them or
a precondition's reply names exists and parses; the fallback flow
exists; `data` names one of the flow's calls; conditions and argument sources parse, and a
`result:` source names a call of an earlier stage; call names are unique within a flow.

`tool_problems` (once the catalog has been read): every tool a flow names is in the catalog
when its service listed its tools, it is a configured service, and a call that changes data
says `writes=True` (a call that says so of a read-only tool is also reported).
A plug-in with any problem stops the process at start-up with the list of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from orchestrator.conversation.expressions import source_problems, when_problems
from orchestrator.conversation.flows import Flow, templates_of
from orchestrator.conversation.plugin import ConversationPlugin
from orchestrator.tools.catalog import Catalog


def flow_problems(plugin: ConversationPlugin) -> list[str]:
    """What is wrong with the plug-in's flows on their own; empty when nothing is."""
    problems = [] if plugin.fallback in plugin.flows else [f"the fallback intent {plugin.fallback!r} has no flow"]
    failed_templates = templates_of(plugin.call_failed)
    if failed_templates is None:
        problems.append("call_failed is not declared with @outcome")
    else:
        problems += plugin.replies.problems(failed_templates)
    for intent, flow in plugin.flows.items():
        problems += [f"flow {intent}: {problem}" for problem in _flow_problems(intent, flow, plugin)]
    return problems


def tool_problems(plugin: ConversationPlugin, catalog: Catalog, services: Mapping[str, bool]) -> list[str]:
    """What the catalog says is wrong with the tools the flows name (`services`: name → listed).

    A tool of a service that is not configured at all is not a problem: a deployment may leave
    out the services a flow needs (`unserved` names those flows); a configured service that
    lists its tools but not the one a flow names, or disagrees on whether it writes, is.
    """
    problems: list[str] = []
    known = {tool.name: tool for tool in catalog.tools()}
    for intent, flow in plugin.flows.items():
        for call in flow.calls():
            service = call.tool.partition(".")[0]
            if service not in services:
                continue
            tool = known.get(call.tool)
            if tool is None:
                if services[service]:
                    problems.append(f"flow {intent}: {service} does not offer {call.tool}")
                continue
            if tool.info.writes != call.writes:
                said = "changes data but its call does not say writes=True" if tool.info.writes else (
                    "is read-only but its call says writes=True")  # fmt: skip
                problems.append(f"flow {intent}: {call.tool} {said}")
    return problems


def unserved(plugin: ConversationPlugin, services: Mapping[str, bool]) -> dict[str, list[str]]:
    """The flows that name a service which is not configured: flow → those services."""
    missing: dict[str, list[str]] = {}
    for intent, flow in plugin.flows.items():
        names = sorted({call.tool.partition(".")[0] for call in flow.calls()} - set(services))
        if names:
            missing[intent] = names
    return missing


def _flow_problems(intent: str, flow: Flow, plugin: ConversationPlugin) -> list[str]:
    problems: list[str] = []
    if flow.intent != intent:
        problems.append(f"is filed under {intent!r} but declares intent {flow.intent!r}")
    templates = templates_of(flow.outcome)
    if templates is None:
        problems.append(f"outcome {getattr(flow.outcome, '__name__', flow.outcome)!r} is not declared with @outcome")
    else:
        problems += plugin.replies.problems(templates)
    for need in flow.needs:
        problems += plugin.replies.problems(templates_of(need.reply) or ())
    names = [call.name for call in flow.calls()]
    if len(names) != len(set(names)):
        problems.append("two calls share a name")
    if flow.data is not None and flow.data not in names:
        problems.append(f"data names {flow.data!r}, which is not one of its calls")
    earlier: set[str] = set()
    for stage in flow.stages:
        for call in stage:
            problems += [f"{call.name}: {p}" for p in when_problems(call)]
            for argument, source in call.args:
                problems += [f"{call.name}.{argument}: {p}" for p in source_problems(source, earlier)]
        earlier |= {call.name for call in stage}
    return problems
