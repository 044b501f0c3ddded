"""Clock limits the life-cycle services ask for. Until the clock policy table (SPEC §3.2) lands, the
handling default of R-CLK-HANDLE is the SPEC default of 48 h."""

from datetime import timedelta

HANDLING_DEFAULT = timedelta(hours=48)


def handling_limit_default(*, order) -> timedelta:
    return HANDLING_DEFAULT
