"""Response headers of the whole site that no library sets for us."""

from django.conf import settings


def permissions_policy(get_response):
    """Permissions-Policy from settings.PERMISSIONS_POLICY ({feature: allowed origins}; () = nobody,
    e.g. `camera=()`), on every response that does not set its own."""
    header = ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items())

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", header)
        return response

    return middleware
