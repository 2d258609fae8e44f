"""The hubspot service's tools, declared once and served on `/mcp/call` and `/mcp`.

Each handler is a thin adapter: the backend fetches, the result models summarise.
"""

from __future__ import annotations

from hubspot_service.backends.base import CrmBackend
from hubspot_service.models import Contact, DealList, EmailArgs, TicketArgs, TicketList
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext

CONTACT_EXAMPLES = (
    "what lifecycle stage am I in?",
    "who is my account owner?",
    "what CRM details do you have on me?",
    "am I a lead or a customer?",
    "which company and job title do you have for me?",
    "who is my sales rep?",
    "what is my lead status?",
    "what's my job title in your CRM?",
    "which company am I listed under in HubSpot?",
    "am I a marketing qualified lead?",
    "am I an MQL or an SQL?",
    "who owns my account on your side?",
    "who's my point of contact in sales?",
    "when did your sales team last get in touch with me?",
    "when was my contact record created?",
    "what's my HubSpot contact id?",
    "what name do you have for me in the CRM?",
    "what does HubSpot know about me?",
    "am I down as a prospect or a paying customer?",
)
DEAL_EXAMPLES = (
    "what deals do I have open?",
    "show my sales pipeline",
    "any opportunities in progress?",
    "how much is in my open pipeline?",
    "which of my deals have we won?",
    "when is my deal expected to close?",
    "what stage is my purchase negotiation at?",
    "how many open deals do I have?",
    "what's the total value of my open opportunities?",
    "show my deals in HubSpot",
    "which deals did we lose?",
    "where are we with my support renewal deal?",
    "has the contract been sent for my deal?",
    "how much is my analytics add-on deal worth?",
    "which pipeline is my deal in?",
    "any deals closed won this year?",
    "list the opportunities being negotiated with my company",
    "what's the amount on my open deal in euros?",
    "when do we expect to sign the platform licence deal?",
)
TICKET_EXAMPLES = (
    "do I have open tickets?",
    "what's the status of my support request?",
    "show my support tickets",
    "is my support case resolved yet?",
    "any urgent or high priority tickets?",
    "list my closed help desk tickets",
    "has support answered my issue?",
    "how many support tickets are still open?",
    "is support waiting on me for anything?",
    "what's happening with my help desk case?",
    "when was my ticket closed?",
    "when did I raise my support request?",
    "show me my open support cases",
    "what priority is my ticket?",
    "any update on my ticket about the dashboard loading slowly?",
    "is my API rate limit ticket still open?",
    "did the support team get back to me?",
    "how's my issue with customer support going?",
    "what stage is my support ticket at?",
)


def build_registry(backend: CrmBackend) -> ToolRegistry:
    """The `hubspot` registry: read-only CRM tools bound to `backend`."""
    registry = ToolRegistry("hubspot")

    @registry.tool(identity_args=("email",), cache_ttl_s=300, examples=CONTACT_EXAMPLES)
    async def get_contact(args: EmailArgs, ctx: CallContext) -> Contact:
        """The user's HubSpot CRM contact record (profile): first and last name, email, company,
        job title, lifecycle stage (subscriber, lead, marketing qualified lead MQL, sales qualified
        lead SQL, opportunity, customer, evangelist, other), lead status, contact owner (account
        owner / sales rep) name, when the contact was created and the date of the last sales
        activity. Use for who the user is in the CRM, their account owner, or whether they are a
        lead or a customer."""
        return await backend.contact(args.email)

    @registry.tool(identity_args=("email",), cache_ttl_s=120, examples=DEAL_EXAMPLES)
    async def list_deals(args: EmailArgs, ctx: CallContext) -> DealList:
        """Sales deals (opportunities) in HubSpot associated with the user's CRM contact: deal
        name, deal stage, sales pipeline, amount and currency, expected close date, and whether
        each deal is open, closed won or closed lost; plus the number of open deals, the number
        of won deals and the total value of the open pipeline. Use for questions about the sales
        pipeline, purchases or renewals being negotiated, deal stages and close dates."""
        return DealList.summarize(args.email.lower(), await backend.deals(args.email))

    @registry.tool(identity_args=("email",), cache_ttl_s=60, examples=TICKET_EXAMPLES)
    async def list_tickets(args: TicketArgs, ctx: CallContext) -> TicketList:
        """Customer support tickets (help desk cases, support requests, issues) in HubSpot
        associated with the user's CRM contact: subject, status open or closed with the ticket
        pipeline stage (e.g. New, Waiting on contact, Waiting on us, Closed), priority (LOW,
        MEDIUM, HIGH, URGENT), when each ticket was opened and closed; plus the number of open
        tickets. Optional filter by status `open` or `closed`. Use for questions about support
        cases, their progress or resolution."""
        return TicketList.summarize(args.email.lower(), await backend.tickets(args.email), args.status)

    return registry
