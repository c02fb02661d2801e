"""Every model, imported in one place so the metadata (and Alembic) sees the whole schema."""

from pb.accounts.models import User
from pb.audit.models import AuditEvent
from pb.cycles.models import Area, Cycle, CycleLanguage, PhaseDate
from pb.deliberation.models import Comment
from pb.i18n.models import ContentTranslation
from pb.kiosk.models import KioskSession, PaperBatch, PaperEntry, Site
from pb.notifications.models import Follow
from pb.outbox.models import MailSuppression, OutboxMail
from pb.proposals.models import Idea, Project
from pb.results.models import ProgressUpdate, TallySnapshot
from pb.security.models import RateCounter
from pb.survey.models import (
    PopulationCount,
    SurveyBatch,
    SurveyResponse,
    SurveyTicketUse,
    TurnoutDay,
)
from pb.voting.models import AccessCode, Ballot, BoxSeal, RollKey, VoteMark, VoterRollEntry

__all__ = [
    "AccessCode", "Area", "AuditEvent", "Ballot", "BoxSeal", "Comment", "ContentTranslation", "Cycle",
    "CycleLanguage", "Idea", "KioskSession", "PaperBatch", "PaperEntry", "PhaseDate", "Project",
    "ProgressUpdate", "RateCounter", "RollKey", "Site", "TallySnapshot", "User", "VoteMark", "VoterRollEntry",
    "Follow", "MailSuppression", "OutboxMail",
    "PopulationCount", "SurveyBatch", "SurveyResponse", "SurveyTicketUse", "TurnoutDay",
]
