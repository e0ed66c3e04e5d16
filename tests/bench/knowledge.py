"""The knowledge-base search over 10,000 articles: built once, set-based, from the demo
articles' sentences; `make bench` times the search page and the API for three queries.

Alone (only this part, its own database): `.venv/bin/python -m config.devstack manage
shell -c "from tests.bench.knowledge import main; main()"`.
"""

from __future__ import annotations

import random

ARTICLES = 10_000
QUERIES = ("转托管", "融资融券 平仓", "风险测评")


def ensure_articles(n: int = ARTICLES) -> None:
    """n published articles (HQ's and the demo branches'), their words cut once per
    sentence and the search vectors written by one UPDATE per batch."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from crm.models import Branch
    from knowledge import search
    from knowledge.demo import ARTICLES as DEMO
    from knowledge.demo import CATEGORIES
    from knowledge.models import Article, Category

    if Article.objects.filter(title__startswith="BENCH").count() >= n:
        return
    Article.objects.filter(title__startswith="BENCH").delete()
    cats = []
    for name, (_parent, serves) in CATEGORIES.items():
        cats.append(Category.objects.get_or_create(name=name, defaults={"serves": serves})[0])
    sentences = [s + "。" for a in DEMO for s in a[4].replace("\n", "").split("。") if s]
    cut = {s: search.index_text(s) for s in sentences}
    titles = [a[0] for a in DEMO]
    owner = get_user_model().objects.get(username="hq_admin")
    branches = [None, *Branch.objects.filter(kind="branch").order_by("id")[:4]]
    rng = random.Random(18)
    now = timezone.now()
    today = timezone.localdate()
    rows, texts = [], []
    for i in range(n):
        body_sentences = rng.sample(sentences, 6)
        title = f"BENCH {rng.choice(titles)} {i}"
        rows.append(Article(
            title=title, body="".join(body_sentences), category=rng.choice(cats), kind="faq",
            owner=owner, branch=rng.choice(branches), status="published",
            review_due=today.replace(year=today.year + 1), updated_at=now, published_at=now,
        ))  # fmt: skip
        texts.append((search.index_text(title), " ".join(cut[s] for s in body_sentences)))
    made = Article.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cur:
        for start in range(0, n, 2000):
            end = start + 2000
            pairs = zip(made[start:end], texts[start:end], strict=True)
            batch = [(a.pk, t, b) for a, (t, b) in pairs]
            cur.execute(
                "UPDATE knowledge_article a SET search_vector = "
                "setweight(to_tsvector('simple', v.t), 'A') || "
                "setweight(to_tsvector('simple', v.b), 'B') "
                "FROM (SELECT unnest(%s::bigint[]) id, unnest(%s::text[]) t, "
                "unnest(%s::text[]) b) v WHERE a.id = v.id",
                [[r[0] for r in batch], [r[1] for r in batch], [r[2] for r in batch]],
            )
        cur.execute("ANALYZE knowledge_article")


def rows(measure, web, api, n: int) -> list:
    """The timed requests: the search page and the API search, three queries each."""
    from urllib.parse import quote

    out = []
    for q in QUERIES:
        out.append(measure(f"knowledge search page «{q}»", web, f"/knowledge/?q={quote(q)}", n))
    for q in QUERIES:
        out.append(measure(f"knowledge search API «{q}»", api, f"/api/v1/knowledge/?q={quote(q)}",
                           n))  # fmt: skip
    return out


def main(n_samples: int = 30) -> None:
    import time

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client as HttpClient

    from tests.bench.run import measure

    if not get_user_model().objects.filter(username="hq_admin").exists():
        call_command("seed_demo")
    start = time.perf_counter()
    ensure_articles()
    print(f"10,000 articles ready in {time.perf_counter() - start:.1f} s")
    web = HttpClient()
    web.force_login(get_user_model().objects.get(username="agent_bj"))
    for r in rows(measure, web, web, n_samples):
        print(f"{r.name:<40} p50 {r.p50:6.1f} ms  p95 {r.p95:6.1f} ms  {r.queries} queries  "
              f"SQL p95 {r.bare_p95:5.1f} ms")  # fmt: skip
