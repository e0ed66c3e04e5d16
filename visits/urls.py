from django.urls import path, re_path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.VisitListView.as_view(), name="list"),
    path("approvals/", views.ApprovalQueueView.as_view(), name="approvals"),
    path("new/", views.VisitPlanCreateView.as_view(), name="create"),
    path("<int:pk>/", views.VisitPlanDetailView.as_view(), name="detail"),
    re_path(
        r"^(?P<pk>\d+)/(?P<action>submit|approve|reject|complete|cancel)/$",
        views.VisitPlanActionView.as_view(),
        name="action",
    ),
    path("quota/", views.QuotaBoardView.as_view(), name="quota"),
    path("consultations/", views.ConsultationListView.as_view(), name="consultations"),
    path("consultations/new/", views.ConsultationCreateView.as_view(), name="consultation-create"),
    path("consultations/<int:pk>/", views.ConsultationDetailView.as_view(), name="consultation"),
    path("events/", views.EventListView.as_view(), name="events"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event"),
]
