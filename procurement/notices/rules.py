"""The outbox's rules, with no database in them: who is told once, how often a send is tried,
which notices a scan writes and which it opens again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings

# Tries of one notice before it is left failed for the next day's scan: the first and the
# three retries of the task that sends it.
MAX_ATTEMPTS = 4
# Longer than any send can take (the SMTP timeout is seconds); a lease left by a sender that
# was killed lapses after this and the next run sends the notice.
CLAIM_LEASE = timedelta(hours=1)
# Notices the mail server took are marked sent at least this often (see services.SentMarks).
MARK_INTERVAL = timedelta(milliseconds=100)
PENDING, CLAIMED, SENT, FAILED, CANCELLED = "pending", "claimed", "sent", "failed", "cancelled"
# A notice in one of these states stands for its step: it went out or is on its way.
LIVE = frozenset({PENDING, CLAIMED, SENT})
ERROR_LENGTH = 500


@dataclass(frozen=True)
class NoticeDraft:
    """A notice a scan found due: about `subject_key` (labelled `subject`) at `step`, to one
    person; not needed any more after `send_by` (None: no limit). `address`, when given,
    sends it elsewhere than the person's own address (a vendor's, on the person's behalf)."""

    subject_key: str
    subject: str
    step: str
    recipient: Any
    send_by: date | None = None
    address: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        return self.subject_key, self.step, self.recipient.pk


@dataclass(frozen=True)
class KnownNotice:
    """A notice already in the outbox, as much of it as deciding what to write needs."""

    pk: int
    subject_key: str
    step: str
    recipient_id: int
    status: str
    due_on: date


def status_after_failure(attempts: int) -> str:
    """Pending again while tries are left, else failed until the next day's scan."""
    return PENDING if attempts < MAX_ATTEMPTS else FAILED


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]


def people_to_tell(people: Iterable[Any]) -> list[Any]:
    """Active people with an e-mail address, each address once (the first person keeps it)."""
    chosen: dict[str, Any] = {}
    for person in people:
        if person is not None and person.is_active and person.email:
            chosen.setdefault(person.email.lower(), person)
    return list(chosen.values())


def language_of(person: Any) -> str:
    """The language a person's e-mails are written in: the one in their notification
    settings, else the site's. Read from the settings fetched with the person."""
    chosen = getattr(person, "notification_settings", None)
    return getattr(chosen, "language", "") or settings.LANGUAGE_CODE


def plan_record(
    drafts: Sequence[NoticeDraft],
    known: Iterable[KnownNotice],
    *,
    today: date,
    covers: Callable[[str, str], bool],
) -> tuple[list[NoticeDraft], list[int]]:
    """The drafts to write and the known notices to open again.

    A draft is left out when the same person has a live notice (pending, being sent or sent)
    about the same subject at a step that `covers` it: the same step, or for kinds with
    steps of growing urgency a more urgent one. A failed or cancelled notice of the draft's
    own key is opened again once a later day's scan finds it due; on its own day it rests.
    """
    by_person: dict[tuple[str, int], list[KnownNotice]] = {}
    for notice in known:
        by_person.setdefault((notice.subject_key, notice.recipient_id), []).append(notice)
    new, reopen = [], []
    for draft in drafts:
        earlier = by_person.get((draft.subject_key, draft.recipient.pk), [])
        if any(n.status in LIVE and covers(n.step, draft.step) for n in earlier):
            continue
        same = next((n for n in earlier if n.step == draft.step), None)
        if same is None:
            new.append(draft)
        elif same.due_on < today:
            reopen.append(same.pk)
    return new, reopen
