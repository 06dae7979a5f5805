from procurement.management.notice_scan import NoticeScanCommand


class Command(NoticeScanCommand):
    help = (
        "Send today's overdue-delivery digests now: the same function the daily Celery task "
        "runs, and as it, at most one e-mail per order owner per day."
    )
    kind = "overdue_digest"
    noun = "overdue digest"
