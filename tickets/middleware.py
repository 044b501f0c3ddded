"""An htmx request whose session has expired is answered with a redirect to the login page; swapped into a
panel, that page would be a login form inside the clock panel. Tell htmx to load it as a whole page."""

from django.conf import settings
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


def htmx_login_redirect(get_response):
    login_url = resolve_url(settings.LOGIN_URL)

    def middleware(request):
        response = get_response(request)
        if request.htmx and response.status_code == 302 and response["Location"].startswith(login_url):
            return HttpResponseClientRedirect(response["Location"])
        return response

    return middleware
