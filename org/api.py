from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .api_fields import TextField
from .models import ApiToken, OrgUnit
from .tokens import api_token_issue, api_token_list, api_token_revoke


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent", "city", "is_active"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The org tree (SPEC §1): dispatch targets and unit filters."""

    queryset = OrgUnit.objects.filter(is_active=True).order_by("code")
    serializer_class = OrgUnitSerializer
    pagination_class = None


# --- API tokens (issue 8 §4) --------------------------------------------------------------------------------
class TokenObtainInput(serializers.Serializer):
    username = TextField(max_length=150, help_text=_("The user name you log in with."))
    password = TextField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}, help_text=_("Your password.")
    )
    name = TextField(
        max_length=100, required=False, allow_blank=True,
        help_text=_("What the token is for (a script, a device); shown in the token list."),
    )  # fmt: skip


TokenObtainOutput = inline_serializer(
    "TokenObtainOutput",
    {
        "token": serializers.CharField(help_text=_("The key: send it as `Authorization: Token <key>`. Shown once.")),
        "expires_at": serializers.DateTimeField(),
    },
)
LockedOut = inline_serializer("LockedOut", {"detail": serializers.CharField(), "code": serializers.CharField()})


class TokenObtainView(APIView):
    """A new API token for a user name and password (R-SEC-1). Login throttling applies as on the login page
    (R-SEC-3): while the user name from this address, or this address, is locked out the answer is 429 with
    `Retry-After`, the right password included."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenObtainInput,
        responses={
            # 400 (missing fields; no such user name and password): FieldErrors, added by the contract schema
            200: TokenObtainOutput,
            429: OpenApiResponse(LockedOut, description="Too many failed attempts; see Retry-After."),
        },
    )
    def post(self, request):
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes marks it, and its middleware answers the lockout.
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]}, code="authorization"
            )
        # Issuing a token is a login: last_login is updated and django-axes clears this user name + address's
        # failures, as after the login page (R-SEC-3).
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        name = data.validated_data.get("name") or request.headers.get("User-Agent", "")
        token, key = api_token_issue(user=user, name=name)
        return Response({"token": key, "expires_at": token.expires_at}, status=status.HTTP_200_OK)


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text=_("True for the token this request is made with."))

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created_at", "last_used_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        return token == getattr(self.context.get("request"), "auth", None)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your own API tokens: list them (never their keys) and revoke one. Tokens of other users are 404."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ApiToken.objects.none()
        return api_token_list(user=self.request.user)

    def perform_destroy(self, instance):
        api_token_revoke(user=self.request.user, token_id=instance.pk)
