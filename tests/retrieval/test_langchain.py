"""KhabarRetriever is a LangChain retriever over a real Chroma + BM25 index (HashEmbedder, tmp home)."""


import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from retrieval.langchain_retriever import KhabarRetriever
from retrieval.models import Filters
from tests.fakes import HashEmbedder
from tests.retrieval.conftest import service_over

ARTICLES = [
    {"id": "camel", "title": "الهجن", "text": "انطلق سباق الهجن السنوي بالطائف بمشاركة ألف ناقة والراكب الآلي.",
     "source": "okaz", "date": "2015-07-23", "city": "الطائف", "agency": "واس", "url": "https://example.org/camel"},
    {"id": "oil", "title": "النفط", "text": "أعلنت وزارة الطاقة ارتفاع إنتاج النفط الخام بالمنطقة الشرقية.",
     "source": "alyaum", "date": "2019-03-01"},
]
CITATION_KEYS = {"article_id", "title", "source", "agency", "city", "date", "url", "path", "start", "end", "score"}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return service_over(tmp_path_factory.mktemp("lc"), ARTICLES, HashEmbedder())


@pytest.mark.parametrize("backend", ["service", "searcher"])
def test_invoke_returns_documents_with_citation_metadata(service, backend):
    retriever = KhabarRetriever(backend=service if backend == "service" else service.searcher, k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("سباق الهجن الطائف")
    assert docs and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    assert CITATION_KEYS <= set(top.metadata)
    assert top.metadata["article_id"] == "camel"
    assert top.metadata["source"] == "okaz" and top.metadata["city"] == "الطائف"
    assert top.metadata["url"] == "https://example.org/camel"
    text = service.article("camel").text
    assert text[top.metadata["start"]:top.metadata["end"]] == top.page_content


def test_filters_and_k_pass_through(service):
    retriever = KhabarRetriever(backend=service, k=5, filters=Filters(source="alyaum"))
    docs = retriever.invoke("سباق الهجن الطائف")
    assert [d.metadata["article_id"] for d in docs] == ["oil"]
    one = KhabarRetriever(backend=service).invoke("النفط الهجن", k=1)
    assert len(one) == 1


async def test_async_invoke(service):
    docs = await KhabarRetriever(backend=service, k=1).ainvoke("إنتاج النفط الخام")
    assert docs[0].metadata["article_id"] == "oil"
