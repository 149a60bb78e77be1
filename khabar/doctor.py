"""`khabar doctor`: check one KHABAR_HOME (manifest, lexical index, term vectors, Chroma, model) and optionally
repair it."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from khabar.settings import Settings

log = logging.getLogger(__name__)

MANIFEST = "manifest.sqlite3"
LEXICAL = "lexical.npz"
TERM_VECTORS = "crosslingual.npz"
REBUILT_PREFIX = "rebuilt:"  # manifest hash of an article recovered from Chroma: the next ingest refreshes it


def run_doctor(settings: Settings, fix: bool = False, embedder=None) -> dict:
    """Check the index home; with `fix`, repair what can be repaired and say what needs a re-ingest.

    `embedder` is loaded from the settings only if a repair needs one (the term vectors).
    """
    home = Path(settings.khabar_home)
    checks: list[dict] = []
    doc = _Doctor(settings, home, fix, checks, embedder)
    doc.run()
    secrets = _secret_values(settings)
    for c in checks:
        c["detail"] = _scrub(str(c["detail"]), secrets)
    return {"ok": all(c["ok"] or c.get("fixed") for c in checks), "home": str(home), "checks": checks}


class _Doctor:
    def __init__(self, settings: Settings, home: Path, fix: bool, checks: list[dict], embedder=None):
        self.settings = settings
        self.home = home
        self.fix = fix
        self.checks = checks
        self.embedder = embedder
        self.store = None
        self.manifest = None
        self.lexical = None

    def add(self, name: str, ok: bool, detail: str, fixed: bool | None = None) -> None:
        item = {"name": name, "ok": ok, "detail": detail}
        if fixed is not None:
            item["fixed"] = fixed
        self.checks.append(item)

    def run(self) -> None:
        self.check_model_folder()
        self.check_dictionary()
        self.open_chroma()
        self.check_manifest()
        if self.manifest is not None:
            self.check_chroma_vs_manifest()
            self.check_chunk_scripts()
            self.check_lexical()
            self.check_term_vectors()

    # -- dictionary ----------------------------------------------------------------------------
    def check_dictionary(self) -> None:
        """Say which dictionaries translate questions' words; a folder named that holds none, or one that is there
        but cannot be read, fails."""
        from khabar.settings import DICTIONARIES, DICTIONARY_SOURCES, dictionaries_off, dictionary_folder, find_dictionaries
        from retrieval.dictionary import Dictionary

        setting = self.settings.khabar_dictionary.strip()
        found = find_dictionaries(setting)
        off = dictionaries_off(setting)
        if not found and dictionary_folder(setting) is not None:
            self.add("dictionaries", False, f"KHABAR_DICTIONARY={setting!r} holds neither "
                     f"{' nor '.join(DICTIONARIES.values())}; name a folder holding FreeDict's files, auto or none")
            return
        names = {"arabic": "English-Arabic", "latin": "Arabic-English"}
        for into in DICTIONARIES:
            label = f"dictionary {names[into]}"
            if into not in found:
                why = ("KHABAR_DICTIONARY=none" if off else "none found" if setting.lower() == "auto"
                       else f"not in {setting}")
                self.add(label, True, f"{why}: those words are translated by the embedding model alone; "
                         "`bash scripts/get-dictionary.sh` fetches FreeDict's dictionaries")
                continue
            n = len(Dictionary.open(found[into], source=DICTIONARY_SOURCES[into]))
            if n == 0:
                self.add(label, False, f"{found[into]} cannot be read or is empty; remove it, or set "
                         "KHABAR_DICTIONARY to a folder holding FreeDict's files with their .dict.dz, or to none")
                continue
            self.add(label, True, f"{found[into]}: {n} headwords")

    # -- model ---------------------------------------------------------------------------------
    def check_model_folder(self) -> None:
        from retrieval.embeddings.resolve import slug

        name = self.settings.khabar_embedding_model
        folder = Path(self.settings.khabar_model_dir) / slug(name)
        if Path(name).is_dir():
            folder = Path(name)
        present = folder.is_dir() and any((folder / f).exists() for f in ("modules.json", "config.json"))
        self.add("model folder", present,
                 f"{folder} is present" if present else
                 f"{folder} is missing; run `khabar model install` (it builds the model offline)")

    def open_chroma(self) -> None:
        from khabar.app import chroma_client
        from retrieval.store import ChromaStore

        name = self.settings.khabar_collection
        where = (f"server {self.settings.chroma_host}:{self.settings.chroma_port}" if self.settings.chroma_host
                 else f"{self.home / 'chroma'}")
        try:
            client = chroma_client(self.settings)
            info = ChromaStore.collection_info(client, name)
        except Exception as exc:  # noqa: BLE001 - any failure to reach Chroma is a check result
            self.add("chroma", False, f"cannot open Chroma at {where}: {exc}")
            return
        if info is None:
            self.add("chroma", True, f"no collection {name!r} at {where} yet (nothing ingested)")
            return
        model, dim = info.get("embedding_model"), int(info.get("dimension") or 0)
        self.store = ChromaStore(client, collection=name, embedding_model=model, dimension=dim)
        self.add("chroma", True, f"collection {name!r} at {where}: {self.store.count()} chunks")
        want = self.settings.khabar_embedding_model
        same = model == want
        self.add("embedding model", same,
                 f"index built with {model!r} (dimension {dim})" if same else
                 f"index built with {model!r} but settings ask for {want!r}; "
                 "run `khabar ingest --rebuild PATH` to re-embed, or set KHABAR_EMBEDDING_MODEL back")

    # -- manifest ------------------------------------------------------------------------------
    def check_manifest(self) -> None:
        from retrieval.errors import IndexCorruptError
        from retrieval.manifest import Manifest

        path = self.home / MANIFEST
        if not path.exists():
            if self.store is not None and self.store.count():
                self.recover_manifest(path, "is missing")
                return
            self.add("manifest", True, f"{path} does not exist yet (nothing ingested)")
            self.manifest = Manifest(path) if self.fix else None
            return
        problem = ""
        try:
            m = Manifest(path)
            if not m.integrity_ok():
                problem = "fails SQLite quick_check"
                m.close()
            else:
                counts = m.counts()
                self.manifest = m
                self.add("manifest", True, f"{counts['articles']} articles, {counts['chunks']} chunks, integrity ok")
                return
        except (IndexCorruptError, sqlite3.DatabaseError) as exc:
            problem = f"is unreadable ({exc})"
        self.recover_manifest(path, problem)

    def recover_manifest(self, path: Path, problem: str) -> None:
        from retrieval.manifest import Manifest

        if not self.fix:
            how = ("--fix moves it aside and rebuilds it from Chroma's stored chunks" if self.store is not None
                   else "--fix moves it aside; then re-ingest the corpus")
            self.add("manifest", False, f"{path} {problem}; {how}")
            return
        moved = ""
        if path.exists():
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            path.replace(aside)
            moved = f"moved to {aside.name}; "
            for suffix in ("-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        self.manifest = Manifest(path)
        if self.store is None:
            self.add("manifest", False, f"{path} {problem}; {moved}no Chroma collection to rebuild from: "
                     "re-ingest the corpus", fixed=True)
            return
        n_articles, n_chunks = rebuild_manifest_from_chroma(self.store, self.manifest)
        self.add("manifest", False,
                 f"{path} {problem}; {moved}rebuilt {n_articles} articles ({n_chunks} chunks) from Chroma; "
                 "titles, URLs and paths are lost until you re-ingest the corpus (nothing is re-embedded)",
                 fixed=True)

    # -- chroma vs manifest --------------------------------------------------------------------
    def check_chroma_vs_manifest(self) -> None:
        want = {r[0]: r[1] for r in self.manifest.iter_chunk_rows()}
        if self.store is None:
            ok = not want
            self.add("chroma vs manifest", ok, "both empty" if ok else
                     f"the manifest lists {len(want)} chunks but Chroma has no collection; "
                     "run `khabar ingest --rebuild PATH`")
            return
        have = set(self.store.all_ids())
        orphans = sorted(have - set(want))
        missing = sorted(set(want) - have)
        if not orphans and not missing:
            self.add("chroma vs manifest", True, f"{len(have)} chunks, in step")
            return
        broken = sorted({want[c] for c in missing})
        paths = self.manifest.paths()
        detail = (f"{len(orphans)} chunk(s) in Chroma that no committed article owns (left by an interrupted "
                  f"ingest); {len(missing)} committed chunk(s) missing from Chroma in {len(broken)} article(s)")
        if not self.fix:
            self.add("chroma vs manifest", False, detail + "; --fix deletes the orphans and un-indexes the "
                     "damaged articles so the next ingest re-adds them")
            return
        if orphans:
            self.store.delete(orphans)
        if broken:
            self.manifest.delete_articles(broken)
            files = sorted({paths.get(a, "") for a in broken} - {""})
            detail += f"; re-ingest to restore: {', '.join(files[:10]) or ', '.join(broken[:10])}"
            if len(files) > 10:
                detail += f" (+{len(files) - 10} more)"
        self.add("chroma vs manifest", False, detail + "; fixed", fixed=True)

    def check_chunk_scripts(self) -> None:
        """Every chunk should carry its script, or questions cannot reach articles in the corpus's other language."""
        if self.store is None:
            return
        from retrieval.store import SCRIPT_LABELS

        if self.store.script_labels >= SCRIPT_LABELS:
            self.add("chunk scripts", True, "every chunk is labelled Arabic or Latin")
            return
        detail = ("the index predates chunk script labels, so a question is not searched separately among "
                  "articles in the other language") if not self.store.scripts_recorded else (
                  "chunk script labels follow an older rule than the lexical index's")
        if not self.fix:
            self.add("chunk scripts", True, detail + "; `khabar ingest` or --fix labels them (no re-embedding)")
            return
        n = self.store.record_scripts()
        self.add("chunk scripts", False, detail + f"; labelled {n} chunks", fixed=True)

    # -- lexical -------------------------------------------------------------------------------
    def check_lexical(self) -> None:
        from retrieval.errors import IndexCorruptError
        from retrieval.lexical import LexicalIndex

        path = self.home / LEXICAL
        want = {r[0] for r in self.manifest.iter_chunk_rows()}
        problem = ""
        if not path.exists():
            problem = "is missing" if want else ""
        else:
            try:
                lex = LexicalIndex.load(path)
                self.lexical = lex
                have = set(lex.chunk_ids)
                if have != want:
                    problem = (f"is out of step with the manifest ({len(have - want)} extra, "
                               f"{len(want - have)} missing chunks)")
            except IndexCorruptError as exc:
                problem = f"is damaged ({exc.__cause__ or exc})"
        strays = sorted(p.name for pattern in (LEXICAL + ".tmp*", TERM_VECTORS + ".tmp*")
                        for p in self.home.glob(pattern))
        if not problem:
            detail = f"{len(want)} chunks, in step with the manifest"
            if strays and self.fix:
                for name in strays:
                    (self.home / name).unlink(missing_ok=True)
                detail += f"; removed {len(strays)} leftover temp file(s)"
            elif strays:
                detail += f"; {len(strays)} leftover temp file(s) from an interrupted save (--fix removes them)"
            self.add("lexical index", True, detail)
            return
        self.lexical = None  # out of step or damaged: the term vectors are checked against the rebuilt one
        if not self.fix:
            self.add("lexical index", False, f"{path} {problem}; --fix rebuilds it from the manifest")
            return
        n = rebuild_lexical(self.manifest, path)
        self.lexical = LexicalIndex.load(path)
        for name in strays:
            (self.home / name).unlink(missing_ok=True)
        self.add("lexical index", False, f"{path} {problem}; rebuilt from the manifest ({n} chunks)", fixed=True)

    # -- cross-lingual term vectors ------------------------------------------------------------
    def check_term_vectors(self) -> None:
        """Every term of the lexical index should have a vector, or questions lose BM25 in the other language."""
        from retrieval.crosslingual import CrossLingualTerms
        from retrieval.lexical import analyzer_id

        if self.lexical is None or self.store is None:
            return  # no Chroma collection, or a lexical index that is absent or broken: reported above
        path = self.home / TERM_VECTORS
        model = self.store.embedding_model
        cl = CrossLingualTerms.load(path, model=model, analyzer=analyzer_id())
        missing = cl.missing(self.lexical.vocab)
        total = len(missing) + len(cl)
        if total == 0:
            self.add("term vectors", True, "no terms to translate questions into")
            return
        if not missing:
            self.add("term vectors", True, f"{len(cl)} terms, all with vectors")
            return
        consequence = "questions over text in the other language get dense search without BM25"
        if not path.exists():  # a state, not damage: the next ingest builds them
            self.add("term vectors", True, f"{path} not built yet (the index predates them, or its model cannot "
                     f"embed words); {consequence}; `khabar ingest` builds them")
            return
        state = ("damaged, or made by another model or analyzer" if cl.dirty else
                 f"{len(missing)} of {total} terms have no vector (an interrupted ingest, or an index from "
                 "before Latin-script terms had vectors)")
        if not self.fix:
            self.add("term vectors", False, f"{path} {state}; {consequence}; --fix or `khabar ingest` rebuilds them")
            return
        embedder = self.embedder
        try:
            if embedder is None:
                from khabar.app import load_embedder_from

                embedder = load_embedder_from(self.settings)
        except Exception as exc:  # noqa: BLE001 - a missing model is a check result
            self.add("term vectors", False, f"{path} {state}; cannot load the model to rebuild them: {exc}")
            return
        if not hasattr(embedder, "embed_words"):
            self.add("term vectors", True, f"{path} {state}; the model {embedder.name!r} cannot embed words, "
                     "so English questions use dense search")
            return
        if embedder.name != model:  # another model's vectors would translate into nonsense
            self.add("term vectors", False, f"{path} {state}; not rebuilt: the settings name the model "
                     f"{embedder.name!r} but the index was built with {model!r}")
            return
        from retrieval.ingest import Indexer

        indexer = Indexer(store=self.store, manifest=self.manifest, lexical=self.lexical, embedder=embedder,
                          crosslingual=cl)
        try:
            added = indexer.reconcile_crosslingual()
        except Exception as exc:  # noqa: BLE001 - a failed repair is a check result
            self.add("term vectors", False, f"{path} {state}; rebuilding them failed: {exc}")
            return
        self.add("term vectors", False, f"{path} {state}; built {added} vectors ({len(cl)} terms now)",
                 fixed=True)


def rebuild_lexical(manifest, path: Path) -> int:
    """Write a fresh lexical index holding exactly the manifest's chunks."""
    from retrieval.ingest import reconcile_lexical
    from retrieval.lexical import LexicalIndex

    lex = LexicalIndex(path)
    lex.stale = True  # whatever is on disk is replaced, even by an empty index
    reconcile_lexical(lex, manifest)
    return len(lex)


def rebuild_manifest_from_chroma(store, manifest) -> tuple[int, int]:
    """Recover articles (text pieced from chunk offsets, citation metadata) from Chroma's documents."""
    from corpus.models import Article, Chunk

    by_article: dict[str, list[tuple[str, dict, str]]] = {}
    offset, page = 0, 5000
    while True:
        got = store.get_chunks(limit=page, offset=offset)
        if not got:
            break
        for cid, meta, doc in got:
            if meta and "article_id" in meta:
                by_article.setdefault(meta["article_id"], []).append((cid, meta, doc or ""))
        offset += len(got)
    items = []
    n_chunks = 0
    for aid, parts in by_article.items():
        parts.sort(key=lambda p: (int(p[1]["start"]), int(p[1]["end"])))
        length = max(int(p[1]["end"]) for p in parts)
        buf = [" "] * length
        for _, meta, doc in parts:
            start = int(meta["start"])
            buf[start:start + len(doc)] = list(doc)
        text = "".join(buf[:length])
        meta0 = parts[0][1]
        title = text.strip().split("\n", 1)[0][:120]
        article = Article(article_id=aid, text=text, title=title, source=meta0.get("source", ""),
                          agency=meta0.get("agency", ""), city=meta0.get("city", ""), date=meta0.get("date", ""),
                          content_hash=REBUILT_PREFIX + meta0.get("content_hash", ""))
        chunks = [Chunk(chunk_id=cid, article_id=aid, text=doc, start=int(m["start"]), end=int(m["end"]), index=i)
                  for i, (cid, m, doc) in enumerate(parts)]
        items.append((article, chunks, 0))
        n_chunks += len(chunks)
        if len(items) >= 500:
            manifest.commit_articles(items)
            items = []
    if items:
        manifest.commit_articles(items)
    return len(by_article), n_chunks


def _secret_values(settings: Settings) -> list[str]:
    out = []
    for name in ("chroma_auth_token", "discord_token", "openai_api_key"):
        v = getattr(settings, name, None)
        if v is not None:
            raw = v.get_secret_value()
            if raw and len(raw) >= 4:
                out.append(raw)
    return out


def _scrub(text: str, secrets: list[str]) -> str:
    for s in secrets:
        text = text.replace(s, "***")
    return text
