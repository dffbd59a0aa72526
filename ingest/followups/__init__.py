"""Follow-up events: meetings, votes, deadlines and launches an article says are coming.

``find_followups(text, published, language)`` reads one article and returns ``FollowUp``
values, one per distinct date span, resolved against the publication date.
"""

from ingest.followups.finder import find_followups
from ingest.followups.types import FollowUp

__all__ = ["FollowUp", "find_followups"]
