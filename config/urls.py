from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_http_methods

from accounts.forms import ThrottledAuthenticationForm
from assessments.downloads import evidence_download

urlpatterns = [
    path(
        "accounts/login/",
        require_http_methods(["GET", "HEAD", "POST"])(
            auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm)
        ),
        name="login",
    ),
    path("", include("core.urls")),
    path("", include("people.urls")),
    path("", include("assessments.urls")),
    path("", include("audit.urls")),
    path("", include("accounts.urls")),
    path("evidence/<int:pk>/file/", evidence_download, name="evidence_download"),
    path("admin/", admin.site.urls),
]

if settings.BENCH_REFERENCE_VIEWS:  # the benchmark harness's reference page, never on in production or tests
    from core.bench_views import BareListView

    urlpatterns.append(path("bench/bare-list/", BareListView.as_view(), name="bench_bare_list"))
