"""A WSGI app that answers 200 to anything: what tests/security/test_number_logs.py serves with gunicorn to
read gunicorn's own access log (the logger class is the subject, not the app)."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
