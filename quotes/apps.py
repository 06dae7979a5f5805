from django.apps import AppConfig
from django.db.models.signals import post_delete


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = "Quotes and landed cost"

    def ready(self) -> None:
        from procurement.stored_files import file_field_remover
        from quotes.models import QuoteRevision

        # A deleted revision (a draft, or with its quote) takes the vendor's PDF with it.
        post_delete.connect(
            file_field_remover("attachment"),
            sender=QuoteRevision,
            weak=False,
            dispatch_uid="quotes.revision_document",
        )
