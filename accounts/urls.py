from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-up/check-your-email/", views.check_email, name="check_email"),
    path("sign-up/send-link-again/", views.send_link_again, name="send_link_again"),
    path("verify/<str:uidb64>/<str:token>/", views.verify, name="verify"),
    # Before django.contrib.auth.urls in the root URLconf, so the emailed reset link (reversed by Django's name
    # "password_reset_confirm", the same path) opens this view.
    path("reset/<uidb64>/<token>/", views.ResetPasswordView.as_view(), name="password_reset_confirm"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-code/", views.two_factor_recovery, name="two_factor_recovery"),
    path("two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("two-factor/recovery-codes/new/", views.new_recovery_codes, name="new_recovery_codes"),
]
