from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from .fields import BIGINT_MAX


def _positive(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= BIGINT_MAX:
        raise ValidationError({name: [_("Give a whole number, 1 or more.")]})
    return value


class StandardPagination(PageNumberPagination):
    """25 per page by default; the back office may ask for up to 100 with `?page_size=` (more is capped at
    100). Every list of the API that can grow is paged this way, an order's sub-lists included. A page or
    page size that is not a whole number of 1 or more is a 400 naming it (R-API-1); a page past the last is
    a 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        size = _positive(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        _positive(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = str(_("Rows per page: 25 unless given; more than 100 gives 100."))
            else:
                parameter["description"] = str(_("Page number, from 1; a page past the last is a 404."))
        return parameters
