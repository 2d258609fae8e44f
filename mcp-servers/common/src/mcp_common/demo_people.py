"""The people of the embedded demo dataset, shared so every demo backend tells one consistent story.

Each service derives its own records (subscriptions, contacts, deals, …) from this list; the
first three are the documented personas, the rest give the data some variety.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    company: str
    country: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("ada@example.com", "Ada", "Lovelace", "Analytical Engines Ltd", "GB"),
    DemoPerson("grace@example.com", "Grace", "Hopper", "Cobol Compilers Inc", "US"),
    DemoPerson("linus@example.com", "Linus", "Torvalds", "Kernel Works Oy", "FI"),
    DemoPerson("alan@example.com", "Alan", "Turing", "Bletchley Computing", "GB"),
    DemoPerson("katherine@example.com", "Katherine", "Johnson", "Orbital Mechanics LLC", "US"),
    DemoPerson("margaret@example.com", "Margaret", "Hamilton", "Apollo Software Co", "US"),
    DemoPerson("edsger@example.com", "Edsger", "Dijkstra", "Shortest Path BV", "NL"),
    DemoPerson("barbara@example.com", "Barbara", "Liskov", "Substitution Systems", "US"),
    DemoPerson("donald@example.com", "Donald", "Knuth", "Literate Programs Press", "US"),
    DemoPerson("frances@example.com", "Frances", "Allen", "Optimizing Compilers Ltd", "US"),
    DemoPerson("tim@example.com", "Tim", "Berners-Lee", "Hypertext Partners", "GB"),
    DemoPerson("radia@example.com", "Radia", "Perlman", "Spanning Tree Networks", "US"),
    DemoPerson("guido@example.com", "Guido", "van Rossum", "Benevolent Scripts BV", "NL"),
    DemoPerson("hedy@example.com", "Hedy", "Lamarr", "Frequency Hopping GmbH", "AT"),
    DemoPerson("john@example.com", "John", "von Neumann", "Stored Program Corp", "HU"),
    DemoPerson("sophie@example.com", "Sophie", "Wilson", "Acorn Instruction Sets", "GB"),
    DemoPerson("ken@example.com", "Ken", "Thompson", "Unix Labs", "US"),
    DemoPerson("dennis@example.com", "Dennis", "Ritchie", "C Language Works", "US"),
    DemoPerson("annie@example.com", "Annie", "Easley", "Centaur Rockets", "US"),
    DemoPerson("claude@example.com", "Claude", "Shannon", "Information Theory SA", "US"),
    DemoPerson("karen@example.com", "Karen", "Sparck Jones", "Inverse Document Ltd", "GB"),
    DemoPerson("yukihiro@example.com", "Yukihiro", "Matsumoto", "Ruby Gems KK", "JP"),
    DemoPerson("ida@example.com", "Ida", "Rhodes", "Numerical Analysis Group", "US"),
    DemoPerson("satoshi@example.com", "Satoshi", "Tajiri", "Pocket Monsters KK", "JP"),
    DemoPerson("evelyn@example.com", "Evelyn", "Boyd Granville", "Trajectory Analytics", "US"),
)


def person(email: str) -> DemoPerson | None:
    """The demo person with this email (case-insensitive), if any."""
    wanted = email.strip().lower()
    return next((p for p in PEOPLE if p.email == wanted), None)
