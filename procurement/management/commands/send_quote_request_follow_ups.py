from procurement.management.notice_scan import NoticeScanCommand


class Command(NoticeScanCommand):
    help = (
        "Lapse the requests for quotation past their answer-by date and send the follow-ups "
        "of unanswered requests that are due now: the same function the daily Celery task "
        "runs, and as it, each follow-up once."
    )
    kind = "quote_request_follow_up"
    noun = "follow-up"
