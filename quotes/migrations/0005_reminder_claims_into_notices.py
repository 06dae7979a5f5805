from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('quotes', '0004_revision_labels_in_plain_words'),
        # The claims are notices of the outbox from there on.
        ('procurement', '0007_notices_outbox'),
    ]

    operations = [
        migrations.DeleteModel(
            name='ReminderClaim',
        ),
    ]
