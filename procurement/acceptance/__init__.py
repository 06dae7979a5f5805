"""Acceptance of a built machine: the checklist made from the parts that were ordered and the
buyer's brief, its evidence (nvidia-smi's own report among it), the sign-off that starts the
warranties, and the reminders before they end."""
