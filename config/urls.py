from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm.api.permissions import api_docs_login
from crm.forms import LoginForm
from crm.metrics import metrics
from crm.views import account
from crm.views.health import healthz

api_v1 = [
    path("", include("crm.api.urls")),
    path("", include("clients.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("servicedesk.api.urls")),
    path("", include("visits.api.urls")),
    path("", include("callcenter.api.urls")),
    path("", include("knowledge.api.urls")),
    path("", include("opinions.api.urls")),
    path("", include("outreach.api.urls")),
    path("", include("products.api.urls")),
    path("", include("compliance.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("scorecards.api.urls")),
    path("", include("suitability.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),  # monitoring network or token only
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/two-factor/", account.TwoFactorSetupView.as_view(), name="two-factor-setup"),
    path(
        "accounts/two-factor/verify/",
        account.TwoFactorVerifyView.as_view(),
        name="two-factor-verify",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI (drf-spectacular-sidecar): its script is served by the same view (split
    # view) so no inline script is needed, but the page keeps an inline <style>.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            api_docs_login(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))
        ),
        name="api-docs",
    ),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("clients/", include("clients.urls")),
    path("complaints/", include("complaints.urls")),
    path("service-requests/", include("servicedesk.urls")),
    path("visits/", include("visits.urls")),
    path("callcenter/", include("callcenter.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("opinions/", include("opinions.urls")),
    path("outreach/", include("outreach.urls")),
    path("products/", include("products.urls")),
    path("compliance/", include("compliance.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("scorecards/", include("scorecards.urls")),
    path("suitability/", include("suitability.urls")),
    path("conduct/", include("conduct.urls")),
    path("", include("crm.urls")),
]

# A dead database answers 503 with a retry hint, anything else the static 500 page.
handler500 = "crm.views.errors.server_error"

# JSON under /api/ for addresses no route matches, pages elsewhere.
handler404 = "crm.views.errors.page_not_found"
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413; other bad requests JSON under /api/.
# (No route serves MEDIA_URL, not even with DEBUG: files go out through scoped views.)
handler400 = "crm.views.errors.bad_request"
