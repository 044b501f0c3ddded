"""The reports' entry in the top bar: for everyone signed in (each report counts what its reader may see)."""


def reports(request) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"reports_nav": True}
