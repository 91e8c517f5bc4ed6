"""OpenAPI description of our token authentication (imported by ``hub.api.urls``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "hub.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "`Authorization: Bearer <key>` (or `Token <key>`), key from POST /api/v1/auth/token/."
            ),
        }
