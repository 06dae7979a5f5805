
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def _people(candidates, listed, by_address):
    """The people a notice went to: its subject's people now and whoever the old row names,
    each address once, so that nobody gets again what they had."""
    chosen = {}
    for person in candidates:
        if person is not None and person.is_active and person.email:
            chosen.setdefault(person.email.lower(), person)
    for address in (listed or "").split(","):
        person = by_address.get(address.strip().lower())
        if person is not None:
            chosen.setdefault(address.strip().lower(), person)
    return list(chosen.values())


def _notice(notice_model, person, **fields):
    return notice_model(recipient=person, address=person.email, **fields)


def claims_into_notices(apps, schema_editor):
    """Every reminder claim, overdue digest and warranty reminder becomes the notices of the
    outbox it stands for, one per person: sent ones stay sent, unsent ones are sent later."""
    notice_model = apps.get_model("procurement", "Notice")
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    by_address = {}
    for user in user_model.objects.exclude(email="").order_by("pk"):
        by_address.setdefault(user.email.lower(), user)
    notices = []
    claims = apps.get_model("quotes", "ReminderClaim").objects.select_related(
        "revision__quote__vendor", "revision__quote__owner"
    ).prefetch_related("revision__quote__watchers")
    for claim in claims:
        quote = claim.revision.quote
        people = _people([quote.owner, *quote.watchers.all()], claim.recipients, by_address)
        # An unsent expiry notice is news until sent: it goes with the next run. An unsent
        # reminder waits for its kind's next scan, which opens it again while it is due.
        if claim.sent_at is not None:
            status = "sent"
        else:
            status = "pending" if claim.step == -1 else "failed"
        notices += [
            _notice(
                notice_model,
                person,
                kind="quote_reminder",
                subject_key=str(claim.revision_id),
                subject=f"{quote.vendor.name} {quote.reference} rev. {claim.revision.number}",
                step="expired" if claim.step == -1 else str(claim.step),
                due_on=timezone.localdate(claim.sent_at or claim.claimed_at),
                status=status,
                sent_at=claim.sent_at,
                attempts=claim.attempts,
                last_error=claim.last_error,
            )
            for person in people
        ]
    for digest in apps.get_model("procurement", "OverdueDigest").objects.select_related(
        "recipient"
    ):
        notices.append(
            _notice(
                notice_model,
                digest.recipient,
                kind="overdue_digest",
                subject_key=digest.digest_date.isoformat(),
                subject=f"Late deliveries on {digest.digest_date:%d.%m.%Y}",
                step="digest",
                due_on=digest.digest_date,
                send_by=digest.digest_date,
                status="sent",
                sent_at=digest.sent_at,
                attempts=1,
            )
        )
    reminders = apps.get_model("procurement", "WarrantyReminder").objects.select_related(
        "warranty__vendor",
        "warranty__checklist__build",
        "warranty__checklist__signed_by",
        "warranty__unit__line__order__owner",
    )
    groups = {}
    for reminder in reminders:
        warranty = reminder.warranty
        key = f"{warranty.checklist_id}:{warranty.vendor_id}:{warranty.ends_on.isoformat()}"
        group = groups.setdefault(key, {"reminder": reminder, "people": [], "count": 0})
        group["people"] += [warranty.unit.line.order.owner, warranty.checklist.signed_by]
        group["listed"] = ", ".join([group.get("listed", ""), reminder.recipients])
        group["count"] += 1
    for key, group in groups.items():
        reminder, count = group["reminder"], group["count"]
        warranty = reminder.warranty
        subject = (
            f"Warranty of {count} part{'s' if count > 1 else ''} of "
            f"{warranty.checklist.build.slug} from {warranty.vendor.name} ending "
            f"{warranty.ends_on:%d.%m.%Y}"
        )
        notices += [
            _notice(
                notice_model,
                person,
                kind="warranty_reminder",
                subject_key=key,
                subject=subject,
                step="ending",
                due_on=reminder.sent_on,
                send_by=warranty.ends_on,
                status="sent",
                sent_at=reminder.sent_at,
                attempts=1,
            )
            for person in _people(group["people"], group["listed"], by_address)
        ]
    notice_model.objects.bulk_create(notices, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('procurement', '0006_acceptance_unit_serial_items'),
        ('quotes', '0004_revision_labels_in_plain_words'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Notice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40, verbose_name='kind')),
                ('subject_key', models.CharField(help_text='What the notice is about, as its kind names it.', max_length=100)),
                ('subject', models.CharField(max_length=200, verbose_name='subject')),
                ('step', models.CharField(max_length=20, verbose_name='step')),
                ('address', models.EmailField(max_length=254, verbose_name='e-mail address')),
                ('due_on', models.DateField(help_text='The day the scan last found it due.', verbose_name='due')),
                ('send_by', models.DateField(blank=True, help_text='Not sent by then, it is not needed any more; empty: no limit.', null=True, verbose_name='send by')),
                ('status', models.CharField(choices=[('pending', 'pending'), ('claimed', 'being sent'), ('sent', 'sent'), ('failed', 'failed'), ('cancelled', 'not needed any more')], default='pending', max_length=10, verbose_name='status')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('leased_until', models.DateTimeField(blank=True, null=True)),
                ('lease_token', models.CharField(blank=True, max_length=32)),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('last_error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
            ],
            options={
                'verbose_name': 'notice',
                'verbose_name_plural': 'notices',
                'ordering': ['-due_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='NotificationSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('muted_kinds', models.JSONField(blank=True, default=list, help_text='The kinds of e-mail this person does not receive.', verbose_name='turned off')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification_settings', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'verbose_name': 'notification settings',
                'verbose_name_plural': 'notification settings',
                'ordering': ['user'],
            },
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'claimed'])), fields=['kind', 'status'], name='notice_unsent'),
        ),
        migrations.AddConstraint(
            model_name='notice',
            constraint=models.UniqueConstraint(fields=('kind', 'subject_key', 'step', 'recipient'), name='notice_once_per_recipient', violation_error_message='This notice is already in the outbox.'),
        ),
        migrations.AddConstraint(
            model_name='notice',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('sent_at__isnull', False), ('status', 'sent')), models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', True)), _connector='OR'), name='notice_sent_has_time', violation_error_message='A notice has a sending time exactly when it is sent.'),
        ),
        migrations.AddConstraint(
            model_name='notice',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('leased_until__isnull', False), ('status', 'claimed')), models.Q(models.Q(('status', 'claimed'), _negated=True), ('leased_until__isnull', True)), _connector='OR'), name='notice_claimed_has_lease', violation_error_message='A notice is leased exactly while it is being sent.'),
        ),
        migrations.RunPython(claims_into_notices, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='warrantyreminder',
            name='warranty',
        ),
        migrations.DeleteModel(
            name='OverdueDigest',
        ),
        migrations.DeleteModel(
            name='WarrantyReminder',
        ),
    ]
