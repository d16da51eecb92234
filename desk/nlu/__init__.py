"""Custom Rasa NLU components: a jieba tokenizer fit for mixed Chinese/English text, an
intent/aspect classifier, and a keyword entity extractor for topics and aspects."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the code of these components. It is part of their default config, so Rasa's
    training cache (keyed on config and data, not code) retrains them when the code changes."""
    package = Path(__file__).parent
    files = sorted(package.glob("*.py")) + [package.parent / "language.py"]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
