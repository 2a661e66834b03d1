"""An anonymous reader's use of the delivery API through the client that openapi-python-client
generates from openapi/openapi.json (package `newsroom_cms_client`, in ../gen/py).

`mypy --strict` must accept it; run.sh also runs it against the live server. It uses a plain
`Client` (no token) throughout: listing articles and reading their reactions are public.
"""

from __future__ import annotations

import sys

from newsroom_cms_client import Client
from newsroom_cms_client.api.articles import list_articles
from newsroom_cms_client.api.reactions import get_reactions
from newsroom_cms_client.models.article_list import ArticleList
from newsroom_cms_client.models.list_articles_sort import ListArticlesSort
from newsroom_cms_client.models.problem import Problem
from newsroom_cms_client.models.reactions_response import ReactionsResponse
from newsroom_cms_client.types import Unset


def latest_articles(client: Client, locale: str, per_page: int = 5) -> ArticleList:
    result = list_articles.sync(client=client, locale=locale, per_page=per_page, sort=ListArticlesSort("-published_at"))
    if isinstance(result, Problem):
        raise RuntimeError(f"list_articles: {result.status} {result.title}: {result.detail}")
    if not isinstance(result, ArticleList):
        raise RuntimeError(f"list_articles: unexpected answer {result!r}")
    return result


def reactions_of(client: Client, article_id: int) -> ReactionsResponse:
    result = get_reactions.sync(key=str(article_id), client=client)
    if isinstance(result, Problem):
        raise RuntimeError(f"get_reactions: {result.status} {result.title}: {result.detail}")
    if result is None:
        raise RuntimeError("get_reactions: no answer")
    return result


def main(base_url: str) -> None:
    with Client(base_url=base_url, raise_on_unexpected_status=True) as client:
        page = latest_articles(client, "en")
        print(f"articles: {page.meta.total} in {page.meta.total_pages} page(s)")
        for article in page.data:
            published = None if isinstance(article.published_at, Unset) else article.published_at
            authors = ", ".join(author.name for author in article.authors)
            reactions = reactions_of(client, article.id).data
            counts: dict[str, int] = dict(reactions.counts.additional_properties)
            mine = reactions.mine if isinstance(reactions.mine, str) else "-"
            print(f"- [{article.locale}] {article.title} ({published}; {authors}; {article.category.name})")
            print(f"  reactions: {reactions.total} {counts} mine={mine}")


if __name__ == "__main__":
    main(sys.argv[1])
