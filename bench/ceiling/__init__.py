"""The bench's ceiling (issue 12 §3): a bare DRF ModelViewSet create of a 10-field model, served by the same
gunicorn, settings and database server as the project, so `bench/intake.py` can put the order create beside it."""
