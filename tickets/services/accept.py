"""Accepting a customer from the browser (R-UI-1): the order and its first evidence in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Attachment, WorkOrder
from .create import OrderIntake, work_order_create_in_transaction
from .records import attachment_add, attachment_file_errors


@transaction.atomic
def work_order_accept(
    *, actor, intake: OrderIntake, files=(), attachment_kind: str = Attachment.Kind.OTHER
) -> WorkOrder:
    """`work_order_create` plus `attachment_add` for each file, all or nothing. Every file is checked
    before anything is written (a refused file never reaches the storage), and the order's own errors
    and the files' errors are reported together under "attachments", each naming its file."""
    file_errors = [
        _("%(name)s: %(error)s") % {"name": f.name, "error": error}
        for f in files
        for error in attachment_file_errors(uploaded_file=f)
    ]
    try:
        # This transaction is the order's: no savepoint of its own (issue 12 §3).
        order = work_order_create_in_transaction(actor=actor, intake=intake, attachment_count=len(files))
    except ValidationError as exc:
        if file_errors:
            raise ValidationError({**exc.message_dict, "attachments": file_errors}) from exc
        raise
    if file_errors:
        raise ValidationError({"attachments": file_errors})  # rolls the new order back
    for uploaded in files:
        attachment_add(order_id=order.id, actor=actor, uploaded_file=uploaded, kind=attachment_kind)
    return order
