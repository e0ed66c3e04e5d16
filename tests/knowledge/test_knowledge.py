"""The knowledge base: Chinese search (jieba words in a PostgreSQL full-text index), scoping
(HQ's articles everywhere, a branch's only there), versions, feedback, review reminders."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from crm import sla
from crm.models import Notification
from crm.services import ConcurrentUpdate
from knowledge import search, selectors, services
from knowledge.models import Article, ArticleFeedback, ArticleVersion, Category


@pytest.fixture
def cat(db):
    return Category.objects.create(name="转托管与转户", serves=["general", "complaint_closed"])


def write(user, cat, title, body, **kw):
    return services.article_create(user=user, title=title, body=body, category=cat,
                                   publish=kw.pop("publish", True), **kw)  # fmt: skip


def test_jieba_cuts_the_sub_words_of_a_brokerage_term():
    words = search.words("客户申请转托管需要携带身份证")
    assert "转托管" in words and "托管" in words and "身份证" in words


def test_a_word_in_the_middle_of_the_text_is_found_and_the_title_match_ranks_first(org, cat):
    body_hit = write(
        org.hq, cat, "柜台业务须知", "客户申请转托管需要携带身份证，并确认转入券商的交易单元。"
    )
    title_hit = write(org.hq, cat, "转托管办理指南", "请按以下步骤办理。")
    write(org.hq, cat, "密码重置", "客户忘记交易密码时须本人办理。")
    found = list(selectors.search_articles(org.agent, "转托管"))
    assert [a.pk for a in found] == [title_hit.pk, body_hit.pk]
    assert found[0].rank > found[1].rank
    # a sub-word and a prefix of the last word find it too
    assert body_hit in selectors.search_articles(org.agent, "托管")
    assert body_hit in selectors.search_articles(org.agent, "身份")
    assert not selectors.search_articles(org.agent, "融资融券").exists()
    assert not selectors.search_articles(org.agent, "&|!():*").exists()  # nothing left to search


def test_a_branch_sees_hq_and_its_own_articles_not_another_branchs(org, cat, client):
    hq_article = write(org.hq, cat, "总部FAQ", "总部发布")
    bj_article = write(org.bm, cat, "北京营业部须知", "北京")
    sh_article = write(org.bm_sh, cat, "上海营业部须知", "上海")
    assert hq_article.branch is None and bj_article.branch == org.bj
    assert set(selectors.readable(org.agent)) == {hq_article, bj_article}
    assert set(selectors.readable(org.agent_sh)) == {hq_article, sh_article}
    assert set(selectors.readable(org.hq)) == {hq_article, bj_article, sh_article}
    client.force_login(org.agent)
    assert client.get(bj_article.get_absolute_url()).status_code == 200
    assert client.get(sh_article.get_absolute_url()).status_code == 404
    assert client.get(reverse("knowledge:edit", args=[sh_article.pk])).status_code == 404


def test_drafts_and_role_limited_articles_are_hidden_from_other_readers(org, cat, client):
    draft = write(org.bm, cat, "草稿", "未发布", publish=False)
    managers_only = write(org.hq, cat, "管理规范", "仅限负责人", audience=["branch_manager"])
    assert draft not in selectors.readable(org.agent)
    assert managers_only not in selectors.readable(org.agent)
    assert draft in selectors.readable(org.bm) and draft not in selectors.readable(org.compliance)
    assert managers_only in selectors.readable(org.bm)
    client.force_login(org.agent)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_only_hq_and_branch_editors_write(org, cat):
    with pytest.raises(PermissionDenied):
        write(org.agent, cat, "标题", "正文")
    with pytest.raises(PermissionDenied):
        write(org.bm, cat, "标题", "正文", hq=True)
    hq_article = write(org.hq, cat, "总部", "正文")
    with pytest.raises(PermissionDenied):
        services.article_update(user=org.bm, article=hq_article, version=1, title="改",
                                body="改", category=cat, kind="faq")  # fmt: skip


def test_versions_are_kept_and_a_stale_version_is_refused(org, cat):
    article = write(org.hq, cat, "转托管", "第一版")
    services.article_update(user=org.hq, article=article, version=1, title="转托管指南",
                            body="第二版 融资融券", category=cat, kind="sop")  # fmt: skip
    article.refresh_from_db()
    assert article.version == 2
    assert list(ArticleVersion.objects.filter(article=article).values_list("version", "body")) == [
        (2, "第二版 融资融券"), (1, "第一版"),
    ]  # fmt: skip
    assert article in selectors.search_articles(org.agent, "融资融券")  # the index follows
    assert article not in selectors.search_articles(org.agent, "第一版")
    with pytest.raises(ConcurrentUpdate):
        services.article_update(user=org.hq, article=article, version=1, title="旧",
                                body="旧", category=cat, kind="faq")  # fmt: skip
    assert Article.objects.get(pk=article.pk).title == "转托管指南"


def test_a_stale_edit_form_answers_409_and_changes_nothing(org, cat, client):
    article = write(org.bm, cat, "标题", "正文")
    services.article_update(user=org.bm, article=article, version=1, title="新标题",
                            body="正文", category=cat, kind="faq")  # fmt: skip
    client.force_login(org.bm)
    response = client.post(reverse("knowledge:edit", args=[article.pk]), {
        "title": "旧表单", "kind": "faq", "category": cat.pk, "body": "x", "version": 1,
    })  # fmt: skip
    assert response.status_code == 409
    assert Article.objects.get(pk=article.pk).title == "新标题"


def test_helpful_counts_once_per_user(org, cat, client):
    article = write(org.hq, cat, "标题", "正文")
    client.force_login(org.agent)
    url = article.get_absolute_url()
    for _ in range(2):
        assert client.post(url, {"action": "helpful"}, HTTP_HX_REQUEST="true").status_code == 200
    assert Article.objects.get(pk=article.pk).helpful_count == 1
    assert ArticleFeedback.objects.filter(article=article).count() == 1


def test_an_overdue_article_reminds_its_owner_once_and_reviewed_moves_the_date(org, cat):
    article = write(org.bm, cat, "标题", "正文")
    Article.objects.filter(pk=article.pk).update(
        review_due=timezone.localdate() - timedelta(days=3)
    )
    assert sla.scan(only=("knowledge.",)) >= 1
    sla.scan(only=("knowledge.",))
    sent = Notification.objects.filter(kind="knowledge.review:breach")
    assert list(sent.values_list("recipient_id", flat=True)) == [org.bm.pk]
    with pytest.raises(PermissionDenied):
        services.article_reviewed(user=org.agent, article=article)
    services.article_reviewed(user=org.bm, article=article)
    assert Article.objects.get(pk=article.pk).review_due > timezone.localdate() + timedelta(
        days=360
    )


def test_suggestions_by_category_code(org, cat, client):
    article = write(org.hq, cat, "转托管FAQ", "正文")
    write(org.hq, cat, "草稿", "正文", publish=False)
    assert selectors.suggested_for(org.agent, "general") == [article]
    assert selectors.suggested_for(org.agent, "visit") == []
    client.force_login(org.agent)
    page = client.get(reverse("complaints:intake")).content.decode()
    assert "转托管FAQ" in page and "kb-suggested" in page


def test_api_search_is_ranked_and_scoped(org, cat, api):
    write(org.hq, cat, "柜台业务", "客户申请转托管需要携带身份证")
    write(org.hq, cat, "转托管指南", "步骤")
    sh = write(org.bm_sh, cat, "上海转托管", "上海")
    api.force_authenticate(org.agent)
    body = api.get("/api/v1/knowledge/", {"q": "转托管"}).json()
    assert [r["title"] for r in body["results"]] == ["转托管指南", "柜台业务"]
    assert api.get(f"/api/v1/knowledge/{sh.pk}/").status_code == 404
    api.force_authenticate(None)
    assert api.get("/api/v1/knowledge/").status_code == 401


@pytest.mark.parametrize("n", [2, 12])
def test_query_counts_are_fixed(org, cat, client, query_baseline, n):
    for i in range(n):
        write(org.hq, cat, f"转托管 {i}", "客户申请转托管需要携带身份证", tags=["转托管"])
    article = Article.objects.first()
    client.force_login(org.agent)
    with query_baseline("knowledge:list"):
        assert client.get(reverse("knowledge:list")).status_code == 200
    with query_baseline("knowledge:list?q"):
        assert client.get(reverse("knowledge:list"), {"q": "转托管"}).status_code == 200
    with query_baseline("knowledge:article"):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_api_writes_a_new_version_and_refuses_a_stale_one(org, cat, api):
    api.force_authenticate(org.bm)
    made = api.post("/api/v1/knowledge/", {
        "title": "转托管指南", "body": "第一版", "kind": "sop", "category": cat.pk,
        "tags": ["转托管"], "publish": True,
    }, format="json")  # fmt: skip
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["branch"] == "BJ01" and made["ETag"] == '"1"'
    changed = api.patch(f"/api/v1/knowledge/{pk}/", {"body": "第二版"}, format="json",
                        HTTP_IF_MATCH='"1"')  # fmt: skip
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api.patch(f"/api/v1/knowledge/{pk}/", {"body": "旧"}, format="json",
                      HTTP_IF_MATCH='"1"')  # fmt: skip
    assert stale.status_code == 412
    assert Article.objects.get(pk=pk).body == "第二版"
    assert ArticleVersion.objects.filter(article_id=pk).count() == 2
    api.force_authenticate(org.agent)
    assert api.post("/api/v1/knowledge/", {"title": "x", "body": "y", "category": cat.pk},
                    format="json").status_code == 403  # fmt: skip
    api.force_authenticate(org.bm_sh)
    assert api.patch(f"/api/v1/knowledge/{pk}/", {"body": "z"}, format="json").status_code == 404


def test_a_service_request_suggests_the_articles_of_its_subcategory_or_category(org, client):
    from tests.servicedesk.helpers import category, receive

    transfers = Category.objects.create(name="转托管", serves=["transfer_custody"])
    accounts = Category.objects.create(name="账户", serves=["account"])
    write(org.hq, transfers, "转托管办理须知", "正文")
    write(org.hq, accounts, "账户业务总览", "正文")
    parent = category("transfer")
    sub, _created = parent.children.get_or_create(code="transfer_custody",
                                                  defaults={"name": "转托管"})  # fmt: skip
    sr = receive(org, category=parent, subcategory=sub)
    client.force_login(org.agent)
    page = client.get(reverse("servicedesk:detail", args=[sr.pk])).content.decode()
    assert "kb-suggested" in page and "转托管办理须知" in page and "账户业务总览" not in page
    other = receive(org, seq=2, category=category("account"))
    page = client.get(reverse("servicedesk:detail", args=[other.pk])).content.decode()
    assert "账户业务总览" in page and "转托管办理须知" not in page
