"""The outbox's rows: one per notice, and each person's notification settings.
procurement.models imports these, so they belong to the procurement app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """One e-mail of one kind, about one subject at one step, to one person.

    The scan that finds a notice due writes its row; the unique (kind, subject, step,
    recipient) key is what makes two scans at once, a redelivered task or a rerun send it
    once. A sender leases pending rows by a conditional update (`claimed`), sends outside any
    database transaction and marks each `sent`, or `pending` again with the error while
    attempts are left, else `failed`; the next day's scan opens a failed notice that is still
    due. A notice not sent by its `send_by` day is `cancelled`: a later one replaces it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        CLAIMED = "claimed", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("not needed any more")

    kind = models.CharField(_("kind"), max_length=40)
    subject_key = models.CharField(
        _("subject key"),
        max_length=100,
        help_text=_("What the notice is about, as its kind names it."),
    )
    subject = models.CharField(_("subject"), max_length=200)
    step = models.CharField(_("step"), max_length=20)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("recipient"),
    )
    address = models.EmailField(_("e-mail address"))
    due_on = models.DateField(_("due"), help_text=_("The day the scan last found it due."))
    send_by = models.DateField(
        _("send by"),
        null=True,
        blank=True,
        help_text=_("Not sent by then, it is not needed any more; empty: no limit."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    lease_token = models.CharField(_("lease token"), max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key", "step", "recipient"],
                name="notice_once_per_recipient",
                violation_error_message=_("This notice is already in the outbox."),
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="notice_sent_has_time",
                violation_error_message=_("A notice has a sending time exactly when it is sent."),
            ),
            models.CheckConstraint(
                condition=Q(status="claimed", leased_until__isnull=False)
                | (~Q(status="claimed") & Q(leased_until__isnull=True)),
                name="notice_claimed_has_lease",
                violation_error_message=_("A notice is leased exactly while it is being sent."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind", "status"],
                condition=Q(status__in=["pending", "claimed"]),
                name="notice_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.step_label})"

    @property
    def step_label(self) -> str:
        from procurement.notices.registry import kind_named

        kind = kind_named(self.kind)
        return kind.step_label(self.step) if kind else self.step


class NotificationSettings(models.Model):
    """The kinds of notice a person has turned off for themselves, and the language their
    e-mails are written in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("person"),
    )
    muted_kinds = models.JSONField(
        _("turned off"),
        default=list,
        blank=True,
        help_text=_("The kinds of e-mail this person does not receive."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of this person's e-mails; empty: the site's language."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["user"]
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(_("Notification settings of %(person)s") % {"person": self.user})
