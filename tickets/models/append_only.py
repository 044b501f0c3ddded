"""R-AUD-1 declared on the models: what may never change, on every database, and the PostgreSQL triggers
(django-pgtrigger, `Meta.triggers`) that refuse the same below Django — a QuerySet.update()/delete(), a
cascade from deleting an order, a TRUNCATE or a stray SQL statement.

Two kinds of history rows:
- `AppendOnlyModel`: written once, never updated, never deleted (timeline, contacts, callbacks, approvals,
  unmask audits).
- `DecidedOnceModel`: written once, then given its one decision exactly once (a department reply's review,
  an extension request's decision, a drafted final reply being sent). The text written first never
  changes; the decision columns move once from their initial value and are then frozen like the rest.
  (The alternative, a separate decision row, would change the API, the pages and the queues for no gain
  in what the database can guarantee: the trigger below allows only that one UPDATE.)

The triggers cannot be switched off from the application: pgtrigger's own escape hatch (the
`pgtrigger.ignore` setting, which any database role may set) is reset inside each of these trigger
functions, so only a table owner (ALTER TABLE … DISABLE TRIGGER) or a superuser can get past them — and the
app runs under a role that is neither (README, Production; `manage.py db_app_role`). SQLite keeps only
the model guards."""

import pgtrigger
from django.db import models

# Runs when the trigger function is entered, before pgtrigger's ignore check: whatever the session set
# pgtrigger.ignore to, these triggers see an empty list. The functions only ever run to refuse (the
# condition decides whether they fire), so the reset never outlives the refused statement.
NO_BYPASS = [("_no_bypass", "BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL")]


class AppendOnlyError(Exception):
    pass


def _refusal(what: str) -> str:
    return (
        f"RAISE EXCEPTION '% rows are append-only (R-AUD-1): {what} refused', TG_TABLE_NAME "
        "USING ERRCODE = 'restrict_violation';"
    )


class _Refuse(pgtrigger.Protect):
    """pgtrigger.Protect with our message (tests match "append-only") and no ignore escape hatch."""

    declare = NO_BYPASS

    def get_func(self, model):
        return _refusal(str(self.operation))


class _RefuseTruncate(pgtrigger.Trigger):
    """TRUNCATE skips row triggers; a statement trigger refuses it (pgtrigger.Protect has no TRUNCATE)."""

    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    level = pgtrigger.Statement
    declare = NO_BYPASS

    def get_func(self, model):
        return _refusal("TRUNCATE") + " RETURN NULL;"


class _DecisionOnly(pgtrigger.Condition):
    """Fires (refuses) on every UPDATE except the one decision: `status` moves from its initial value
    (`initial` for a status column, NULL for a timestamp) and nothing but the decision columns changes."""

    def __init__(self, *, field: str, initial: str | None, decision: tuple[str, ...]):
        self.field, self.initial, self.decision = field, initial, decision
        self.sql = "decision-only"

    def resolve(self, model) -> str:
        if self.initial is None:
            state = pgtrigger.Q(**{f"old__{self.field}__isnull": False}) | pgtrigger.Q(
                **{f"new__{self.field}__isnull": True}
            )
        else:
            state = ~pgtrigger.Q(**{f"old__{self.field}": self.initial}) | pgtrigger.Q(
                **{f"new__{self.field}": self.initial}
            )
        content = pgtrigger.AnyChange(exclude=list(self.decision))
        return f"(({state.resolve(model)}) OR ({content.resolve(model)}))"


def append_only_triggers() -> list[pgtrigger.Trigger]:
    return [
        _Refuse(name="append_only_update", operation=pgtrigger.Update),
        _Refuse(name="append_only_delete", operation=pgtrigger.Delete),
        _RefuseTruncate(name="append_only_truncate"),
    ]


def decided_once_triggers(*, field: str, initial: str | None, decision: tuple[str, ...]) -> list[pgtrigger.Trigger]:
    return [
        _Refuse(
            name="decided_once_update",
            operation=pgtrigger.Update,
            condition=_DecisionOnly(field=field, initial=initial, decision=decision),
        ),
        _Refuse(name="append_only_delete", operation=pgtrigger.Delete),
        _RefuseTruncate(name="append_only_truncate"),
    ]


class AppendOnlyModel(models.Model):
    """Rows that are written once and never changed or deleted (R-AUD-1). On PostgreSQL the subclass's
    `Meta.triggers = append_only_triggers()` refuses the same in the database."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class DecidedOnceModel(models.Model):
    """Rows written once and decided once (see the module docstring). A subclass names its decision:
    `DECISION_FIELD` with its `DECISION_INITIAL` value (None: the column starts NULL) and the
    `DECISION_FIELDS` that the decision writes; the one allowed save is
    `save(update_fields=<some of DECISION_FIELDS>)` on a row that is still undecided in the database.
    On PostgreSQL `Meta.triggers = decided_once_triggers(...)` with the same names refuses the rest."""

    DECISION_FIELD: str
    DECISION_INITIAL: str | None
    DECISION_FIELDS: tuple[str, ...]

    class Meta:
        abstract = True

    def _undecided(self, value) -> bool:
        return value is None if self.DECISION_INITIAL is None else value == self.DECISION_INITIAL

    def save(self, *args, **kwargs):
        if self.pk is None or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        name = type(self).__name__
        fields = kwargs.get("update_fields")
        if not fields or not set(fields) <= set(self.DECISION_FIELDS):
            decision = ", ".join(self.DECISION_FIELDS)
            raise AppendOnlyError(f"{name} rows are append-only except their decision ({decision}).")
        stored = type(self)._base_manager.filter(pk=self.pk).values_list(self.DECISION_FIELD, flat=True).first()
        if not self._undecided(stored) or self._undecided(getattr(self, self.DECISION_FIELD)):
            raise AppendOnlyError(f"{name} rows are decided once; this one is already decided.")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
