from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("knowledge", views.ArticleViewSet, basename="article")
urlpatterns = router.urls
