from procurement.locale_formats.swiss import *  # noqa: F403
