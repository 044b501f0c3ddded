"""Workspace middleware. An htmx request whose session has expired is answered with a redirect to the login
page; swapped into a panel, that page would be a login form inside the clock panel: tell htmx to load it as
a whole page. And responses to signed-in users are not cached anywhere (`private_no_store`)."""

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.cache import patch_cache_control
from django_htmx.http import HttpResponseClientRedirect


def htmx_login_redirect(get_response):
    login_url = resolve_url(settings.LOGIN_URL)

    def middleware(request):
        response = get_response(request)
        if request.htmx and response.status_code == 302 and response["Location"].startswith(login_url):
            return HttpResponseClientRedirect(response["Location"])
        return response

    return middleware


def private_no_store(get_response):
    """Pages and API answers to a signed-in user carry customers' numbers (the intake card, an order, an
    unmask): no browser, proxy or back/forward cache may keep them (R-SEC-2). Every response to an
    authenticated user, and every API response (the token endpoint answers with a token), is marked
    `private, no-store`. Static files never get here (WhiteNoise answers them first)."""

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)  # DRF's token authentication sets it during the view
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Expires", None)
        return response

    return middleware
