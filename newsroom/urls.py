from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from articles.api.token import api_token

# Log in, log out and change password. No password reset by e-mail: the app sends no mail;
# admins reset passwords in /admin/.
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api-token/", api_token, name="api-token"),
]

urlpatterns = [
    path("accounts/", include(accounts)),
    path("admin/", admin.site.urls),
    path("api/", include("articles.api.urls")),
    path("", include("articles.urls")),
]

handler400 = "newsroom.views.bad_request"
handler403 = "newsroom.views.permission_denied"
handler404 = "newsroom.views.page_not_found"
handler500 = "newsroom.views.server_error"
