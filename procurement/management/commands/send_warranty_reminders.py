from procurement.management.notice_scan import NoticeScanCommand


class Command(NoticeScanCommand):
    help = (
        "Send the reminders of warranties ending soon now: the same function the daily Celery "
        "task runs, and as it, each reminder once."
    )
    kind = "warranty_reminder"
    noun = "warranty reminder"
