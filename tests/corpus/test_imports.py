import subprocess
import sys

CORPUS_MODULES = ["agencies", "chunking", "clean", "dateline", "dates", "encoding", "errors", "fingerprint", "ids",
                  "loaders", "normalize", "outlets", "places", "sentences"]


def test_corpus_imports_no_heavy_frameworks():
    code = (
        "import sys\n"
        + "".join(f"import corpus.{m}\n" for m in CORPUS_MODULES)
        + "bad = [m for m in ('chromadb', 'discord', 'torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
