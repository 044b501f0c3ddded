from django.db import models


class CeilingRow(models.Model):
    """Ten fields, like a small order: no relations, no rules. Its table is made by `migrate --run-syncdb`."""

    number = models.CharField(max_length=20)
    name = models.CharField(max_length=60, blank=True)
    channel = models.CharField(max_length=20)
    urgency = models.CharField(max_length=20)
    city = models.CharField(max_length=30)
    content = models.TextField()
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    is_open = models.BooleanField(default=True)
    received_at = models.DateTimeField()

    class Meta:
        app_label = "bench_ceiling"

    def __str__(self) -> str:
        return self.number
