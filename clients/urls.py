from django.urls import path, re_path

from . import views
from .pickers import ClientPickView

app_name = "clients"

urlpatterns = [
    path("", views.ClientListView.as_view(), name="list"),
    path("export.csv", views.ClientExportView.as_view(), name="export"),
    path("new/", views.ClientCreateView.as_view(), name="create"),
    path("pick/", ClientPickView.as_view(), name="pick"),
    path("reassign/", views.ReassignView.as_view(), name="reassign"),
    path("leavers/", views.LeaverClientsView.as_view(), name="leavers"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("segments/", views.SegmentsView.as_view(), name="segments"),
    path("lists/", views.SavedListsView.as_view(), name="saved-lists"),
    path("lists/<int:pk>/delete/", views.SavedListDeleteView.as_view(), name="saved-list-delete"),
    path("churn/", views.ChurnListView.as_view(), name="churn"),
    path("retention/", views.RetentionBoardView.as_view(), name="retention-board"),
    path("retention/<int:pk>/", views.RetentionCaseView.as_view(), name="retention-case"),
    path("import/<int:pk>/", views.ImportStatusView.as_view(), name="import-status"),
    path("import/<int:pk>/run/", views.ImportFromDryRunView.as_view(), name="import-run"),
    path("import/<int:pk>/errors.csv", views.ImportErrorsView.as_view(), name="import-errors"),
    path("import/template/", views.ImportTemplateView.as_view(), name="import-template"),
    path("<int:pk>/", views.ClientDetailView.as_view(), name="detail"),
    path("<int:pk>/assets/", views.ClientAssetsView.as_view(), name="detail-assets"),
    path("<int:pk>/timeline/", views.ClientTimelineView.as_view(), name="detail-timeline"),
    path("<int:pk>/history/", views.ClientHistoryView.as_view(), name="detail-history"),
    path("<int:pk>/edit/", views.ClientEditView.as_view(), name="edit"),
    re_path(
        r"^(?P<pk>\d+)/reveal/(?P<field>id_number|phone|phone_alt|name)/$",
        views.ClientRevealView.as_view(),
        name="reveal",
    ),
    path(
        "<int:pk>/risk-assessment/",
        views.RiskAssessmentCreateView.as_view(),
        name="risk-assessment",
    ),
    path("<int:pk>/open-account/", views.OpenAccountView.as_view(), name="open-account"),
    path("<int:pk>/identity-change/", views.IdentityChangeView.as_view(), name="identity-change"),
    path("<int:pk>/reviewed/", views.MarkReviewedView.as_view(), name="reviewed"),
]
