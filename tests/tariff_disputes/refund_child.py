"""One refund execution in a process of its own, for test_crash.py: it claims the refund, the console gateway
credits (committed on the far side), and the process SIGKILLs itself inside the transaction that would record
the answer — PostgreSQL rolls that transaction back.

    DATABASE_URL=… python -m tests.tariff_disputes.refund_child <refund_id>"""

import os
import signal
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import transaction  # noqa: E402

from tariff_disputes.models import Refund  # noqa: E402
from tariff_disputes.services import refund as refund_module  # noqa: E402


def dying(*, refund_id: int, claimed_at, reference: str) -> bool:
    with transaction.atomic():
        Refund.objects.filter(pk=refund_id).update(state="executed", gateway_reference=reference)
        print(f"credited {reference}; dying before the commit", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    return True


refund_module._refund_executed = dying
refund_module.refund_execute(refund_id=int(sys.argv[1]))
print("not killed?", flush=True)
