"""Holiday duty in the navigation: one entry for duty staff and shift leaders, with what waits (open duty
orders and calls; unsigned handovers for a shift leader). Computed lazily, once per request."""

from functools import cached_property

from .selectors import nav_count


class HolidayDutyNav:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int | None:
        return nav_count(user=self.user)

    @cached_property
    def shown(self) -> bool:
        return self.count is not None


def holiday_duty(request) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"holiday_duty_nav": HolidayDutyNav(user)}
