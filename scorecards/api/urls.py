from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("scorecards", views.ScorecardViewSet, basename="scorecard")
urlpatterns = router.urls
