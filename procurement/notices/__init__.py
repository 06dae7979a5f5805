"""Notices: one outbox for every e-mail the product sends on its own.

Quote expiry reminders, the overdue-deliveries digest and warranty-end reminders all go the
same way. A kind's daily scan finds what is due and not yet done and records one `Notice` per
(kind, subject, step, recipient), a key the database holds unique. A sender leases the
pending notices by a conditional update, sends them outside any database transaction over
one connection, and marks each sent, or gives it back with the error: it is tried again by
the task's retries (with backoff, `rules.MAX_ATTEMPTS` tries in all), then left failed for the
next day's scan, which opens it again while it is still due. A sender killed between lease
and send leaves a lease that lapses after `rules.CLAIM_LEASE`; the next run sends the notice.
The admin's "Notices" page lists every notice with its error, and sends failed ones again.
People turn kinds off for themselves in "Notification settings".

The parts: `rules` (pure: who is told once, tries, what a scan writes), `registry` (the
kinds), `selectors` (reads), `services` (writes), `outbox` (scan, record, send; what tasks
and commands call), `kinds/` (one module per kind), `models`, `admin`.

Adding a kind (as the rate-drift alert, the quote-request follow-up and the price alert were) is one module
in `procurement/notices/kinds/`, found by the registry without further wiring:

    @register
    class RateDriftAlert(NoticeKind):
        name = "rate_drift"                      # stored on each notice: never rename it
        label = gettext_lazy("Exchange rate drift alerts")
        template = "procurement/email/rate_drift"  # _subject.txt, .txt and .html

        def scan(self, today):                   # who is told what, and when
            return Scan(drafts=[NoticeDraft(subject_key, subject, step, person, send_by)])

        def contexts(self, notices):             # read at send time, in a few queries
            return {notice.pk: {...} for notice in notices}

then a daily Celery task (a thin `outbox.run("rate_drift")`, its beat entry in settings) and,
if people run it by hand, a command. The e-mail is rendered in its recipient's language
(`rules.language_of`); every string in its templates is marked for translation.
"""
