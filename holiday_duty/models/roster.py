"""The roster (R-HD-6, seed 003 一.7): rotations → shifts, with overrides and swaps.

A `Rotation` cycles its members through shifts of a fixed length from an anchor instant. `roster_build`
(services/roster.py) turns rotations and `RosterOverride`s into `Shift` rows for the duty days ahead; it
rewrites only shifts that have not started, so a shift once begun stays as it was worked (the model refuses
to change or delete it). Two overrides of one person in one hall may not overlap: on PostgreSQL an exclusion
constraint on the time range refuses it in the database (services check it first, on every database, for a
400 that names the field)."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Rotation(models.Model):
    hall = models.ForeignKey(
        "holiday_duty.DutyHall", verbose_name=_("duty hall"), on_delete=models.PROTECT, related_name="rotations"
    )
    name = models.CharField(_("name"), max_length=50)
    anchor = models.DateTimeField(_("first shift starts at"))
    shift_length = models.DurationField(_("shift length"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rotation")
        verbose_name_plural = _("rotations")
        ordering = ["hall", "name"]

    def __str__(self) -> str:
        return self.name


class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(_("position"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("rotation member")
        verbose_name_plural = _("rotation members")
        ordering = ["rotation", "position"]
        constraints = [models.UniqueConstraint(fields=["rotation", "position"], name="hd_rotation_position_unique")]

    def __str__(self) -> str:
        return f"{self.rotation} #{self.position} {self.person}"


class OverrideKind(models.TextChoices):
    ADD = "add", _("Add a person")
    REMOVE = "remove", _("Remove a person")
    REPLACE = "replace", _("Replace a person")


class RosterOverride(models.Model):
    """For a period: add `person`, remove `person`, or put `person` in `replaces`' place."""

    hall = models.ForeignKey(
        "holiday_duty.DutyHall", verbose_name=_("duty hall"), on_delete=models.PROTECT, related_name="overrides"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=OverrideKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("in place of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    swap = models.OneToOneField(
        "holiday_duty.ShiftSwap", verbose_name=_("shift swap"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="override",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("roster override")
        verbose_name_plural = _("roster overrides")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="hd_override_period"),
            # PostgreSQL only (the migration adds it there): one person's overrides in a hall never overlap.
            ExclusionConstraint(
                name="hd_override_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("hall", RangeOperators.EQUAL),
                    ("person", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person}"

    def validate_constraints(self, exclude=None):
        # SQLite cannot evaluate a range overlap; the service's own check covers it there.
        if connection.vendor == "postgresql":
            return super().validate_constraints(exclude=exclude)
        for constraint in self._meta.constraints:
            if not isinstance(constraint, ExclusionConstraint):
                constraint.validate(type(self), self, exclude=exclude)
        return None


class ShiftSource(models.TextChoices):
    ROTATION = "rotation", _("Rotation")
    OVERRIDE = "override", _("Override")


class ShiftStarted(Exception):
    pass


class Shift(models.Model):
    """Who is on duty in a hall from–to. Written by `roster_build`; once it has started it never changes."""

    hall = models.ForeignKey(
        "holiday_duty.DutyHall", verbose_name=_("duty hall"), on_delete=models.PROTECT, related_name="shifts"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="duty_shifts"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    source = models.CharField(_("from"), max_length=10, choices=ShiftSource.choices)
    rotation = models.ForeignKey(Rotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    override = models.ForeignKey(RosterOverride, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "person_id"]
        indexes = [models.Index(fields=["hall", "starts_at", "ends_at"], name="hd_shift_hall_time_idx")]

    def __str__(self) -> str:
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.person} {starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"

    def _started_in_db(self) -> bool:
        stored = type(self)._base_manager.filter(pk=self.pk).values_list("starts_at", flat=True).first()
        return stored is not None and stored <= timezone.now()

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding and self._started_in_db():
            raise ShiftStarted("A shift that has started stays as it was worked (R-HD-6).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._started_in_db():
            raise ShiftStarted("A shift that has started stays as it was worked (R-HD-6).")
        return super().delete(*args, **kwargs)


class SwapState(models.TextChoices):
    REQUESTED = "requested", _("Asked, awaiting consent")
    AGREED = "agreed", _("Agreed")
    DECLINED = "declined", _("Declined")


class ShiftSwap(models.Model):
    """换班 (seed 003 一.7): only with the other person's prior consent, recorded here (who, when)."""

    # The shift row may be rewritten by a later roster build; the swap keeps its period.
    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), null=True, blank=True, on_delete=models.SET_NULL, related_name="swaps"
    )
    hall = models.ForeignKey(
        "holiday_duty.DutyHall", verbose_name=_("duty hall"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("from"), null=True)
    ends_at = models.DateTimeField(_("to"), null=True)
    from_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("gives the shift"), on_delete=models.PROTECT, related_name="+"
    )
    to_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("takes the shift"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=SwapState.choices, default=SwapState.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked at"))
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_person} → {self.to_person}"


class RosterGap(models.Model):
    """A duty day found with nobody rostered (R-HD-6): written once per hall and day, when the shift leader is
    warned; the dashboard lists the gaps that are still open."""

    hall = models.ForeignKey("holiday_duty.DutyHall", on_delete=models.CASCADE, related_name="gaps")
    day = models.DateField(_("duty day"))
    warned_at = models.DateTimeField(_("warned at"))

    class Meta:
        verbose_name = _("roster gap")
        verbose_name_plural = _("roster gaps")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["hall", "day"], name="hd_gap_unique")]

    def __str__(self) -> str:
        return f"{self.hall} · {self.day}"
