"""Links to a parcel's tracking page for the carriers the product knows."""

from urllib.parse import quote

TRACKING_URLS: dict[str, str] = {
    "swiss-post": "https://service.post.ch/ekp-web/ui/entry/search/{number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "dhl": "https://www.dhl.com/ch-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
    "ups": "https://www.ups.com/track?loc=en_CH&tracknum={number}",
}


def tracking_url(carrier_slug: str | None, tracking_number: str) -> str | None:
    """The carrier's tracking page for the number; None for an unknown carrier or no number."""
    number = tracking_number.strip()
    pattern = TRACKING_URLS.get(carrier_slug or "")
    if not number or pattern is None:
        return None
    return pattern.format(number=quote(number, safe=""))
