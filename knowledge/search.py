"""Chinese full-text search: jieba segments the text, PostgreSQL indexes the words.

The embedded PostgreSQL has no contrib extension (no pg_trgm, no zhparser), and the
'simple' text-search configuration does not split Chinese. So the words are cut here, with
`jieba.cut_for_search` (which also yields the sub-words of a long word: 转托管 gives 转托,
托管 and 转托管), joined by spaces and stored as a tsvector with the 'simple'
configuration: the title weighted A, the body B, in a GIN index. A query is cut the same
way and every word must match (&), the last as a prefix (:*), ranked by ts_rank.
"""

from __future__ import annotations

import re
import threading

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import F, Value

# Brokerage words jieba's dictionary does not know as one word.
TERMS = (
    "转托管", "销户", "融资融券", "两融", "风险测评", "适当性", "全权委托", "代客操作", "创业板",
    "科创板", "北交所", "港股通", "沪港通", "深港通", "开户", "密码重置", "资金账户", "证券账户",
    "股东账户", "三方存管", "银证转账", "佣金", "印花税", "过户费", "新股申购", "国债逆回购",
    "可转债", "风险警示板", "退市整理", "专业投资者", "普通投资者", "回访", "投诉", "营业部",
)  # fmt: skip

_lock = threading.Lock()
_jieba = None
_WORD = re.compile(r"\w", re.UNICODE)


def _segmenter():
    """jieba with the brokerage terms, loaded once per process (~1 s the first time)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(60)  # no "Building prefix dict" on stderr
                for term in TERMS:
                    jieba.add_word(term, freq=20000)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def words(text: str) -> list[str]:
    """The search words of a text: jieba's search cut, lower-cased, without punctuation
    or spaces, in order, repeats kept (they weigh in the rank)."""
    cut = _segmenter().cut_for_search(text or "")
    return [w.lower() for w in (w.strip() for w in cut) if w and _WORD.search(w)]


def _clean(word: str) -> str:
    # what to_tsquery could read as an operator
    return re.sub(r"[&|!():*<>'\\\s]", "", word)


def index_text(text: str) -> str:
    return " ".join(w for w in (_clean(w) for w in words(text)) if w)


def vector(title: str, body: str):
    """The expression stored in Article.search_vector for this title and body."""
    return SearchVector(Value(index_text(title)), config="simple", weight="A") + SearchVector(
        Value(index_text(body)), config="simple", weight="B"
    )


def query_text(q: str) -> str | None:
    """A to_tsquery string (word & word & last:*), None when nothing is left to search."""
    terms = []
    for w in words(q):
        w = _clean(w)
        if w and w not in terms:
            terms.append(w)
    if not terms:
        return None
    terms = terms[:12]
    return " & ".join([*terms[:-1], f"{terms[-1]}:*"])


def search(qs, q: str):
    """Articles matching `q`, best first: the rank weighs a title word (A) above a body
    word (B), so an article with the word in its title comes first."""
    text = query_text(q)
    if text is None:
        return qs.none()
    query = SearchQuery(text, search_type="raw", config="simple")
    return (
        qs.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query, weights=[0.1, 0.2, 0.4, 1.0]))
        .order_by("-rank", "-id")
    )
