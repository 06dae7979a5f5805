"""The pricing engine: pure functions, no database, no sentences.

Data in, Decimals out: the landed cost in CHF of one quote revision (`landed`), the cost
of a build from the revisions that source it and its estimates, money against a budget,
CHF per GB of VRAM and power against one circuit (`builds`), and the cost of running a
machine: energy a year, total cost of ownership, throughput per franc (`energy`).
"""

from quotes.pricing.engine.builds import *  # noqa: F403
from quotes.pricing.engine.energy import *  # noqa: F403
from quotes.pricing.engine.landed import *  # noqa: F403
