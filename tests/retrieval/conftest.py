"""Index-layer fixtures: a real embedded Chroma per test, fake or real embedders, small SaudiNewsNet zips."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from retrieval.dictionary import Dictionary

DAY = "2015-07-23"


class CountingEmbedder:
    """Wraps an embedder and records every passage it is asked to embed (to prove nothing is re-embedded)."""

    def __init__(self, inner):
        self.inner = inner
        self.passages: list[str] = []
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_seq_length = inner.max_seq_length
        budget = getattr(inner, "passage_token_budget", None)
        if budget is not None:
            self.passage_token_budget = budget

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32):
        self.passages.extend(texts)
        return self.inner.embed_passages(texts, batch_size)

    def embed_queries(self, texts: Sequence[str], batch_size: int = 32):
        return self.inner.embed_queries(texts, batch_size)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def __getattr__(self, name: str):
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)  # e.g. embed_words, when the wrapped embedder has it


def open_service(home: Path, embedder):
    """Build the real AnswerService (embedded Chroma under `home`) around `embedder`."""
    from khabar.app import build_service, open_index
    from khabar.settings import get_settings

    settings = get_settings(khabar_home=home, chroma_host="")
    index = open_index(settings, embedder=embedder)
    return build_service(settings, index=index)


def service_over(tmp: Path, articles: list[dict], embedder):
    """A real service (embedded Chroma under `tmp`) with `articles` ingested from a JSONL file."""
    from khabar.app import build_service, open_index
    from khabar.settings import Settings

    corpus = tmp / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles), encoding="utf-8")
    settings = Settings(khabar_home=tmp / "home")
    svc = build_service(settings, index=open_index(settings, embedder=embedder))
    rep = svc.indexer.ingest([str(corpus)])
    assert rep.failed == 0
    return svc


def ids_everywhere(service) -> tuple[list[str], list[str], list[str]]:
    """(Chroma ids, manifest chunk ids, lexical chunk ids), each sorted, duplicates kept."""
    chroma = sorted(service.indexer.store.all_ids())
    manifest = sorted(r[0] for r in service.manifest.iter_chunk_rows())
    lex = service.indexer.lexical
    lex._ensure_weights()
    return chroma, manifest, sorted(lex.chunk_ids)


def make_snn_zip(dest: Path, n: int, day: str = DAY, shared: Path | None = None) -> Path:
    """A SaudiNewsNet-format zip holding the first `n` records of a real day."""
    from tests.conftest import SNN

    src = (shared / "data" / "saudinewsnet" if shared else SNN) / f"{day}.zip"
    with zipfile.ZipFile(src) as z:
        name = z.namelist()[0]
        records = json.loads(z.read(name))[:n]
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, json.dumps(records, ensure_ascii=False))
    return dest


@pytest.fixture
def counting_embedder(fake_embedder):
    return CountingEmbedder(fake_embedder)


@pytest.fixture
def service(tmp_path, counting_embedder):
    return open_service(tmp_path / "home", counting_embedder)


@pytest.fixture(scope="session")
def snn_day(shared_dir) -> Path:
    return shared_dir / "data" / "saudinewsnet" / f"{DAY}.zip"


@pytest.fixture(scope="session")
def real_embedder(tmp_path_factory):
    from khabar.app import load_embedder_from
    from khabar.settings import get_settings

    return load_embedder_from(get_settings(khabar_home=tmp_path_factory.mktemp("khabar-home")))


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(n: int) -> str:
    out = ""
    while True:
        out = B64[n % 64] + out
        n //= 64
        if not n:
            return out


class ReadCounter(Dictionary):
    """A Dictionary that counts the reads of its files, for tests of what loads when."""

    reads = 0

    def _read(self):
        self.reads += 1
        return super()._read()


def write_dictd(base: Path, entries: dict[str, str], *, compressed: bool = True) -> Path:
    """A dictd pair as FreeDict ships it: `base.index` (headword, offset, length) and `base.dict[.dz]`."""
    data, lines = b"", ["00-database-info\tA\tB"]
    for head, body in entries.items():
        entry = f"{head} /x/\n{body}\n".encode()
        lines.append(f"{head}\t{b64(len(data))}\t{b64(len(entry))}")
        data += entry
    index = base.with_suffix(".index")
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if compressed:
        Path(str(base) + ".dict.dz").write_bytes(gzip.compress(data))
    else:
        Path(str(base) + ".dict").write_bytes(data)
    return index
