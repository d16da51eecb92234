"""Keyword spotting for topics and aspects.

Lookup tables named ``topic:<topic_id>`` and ``aspect:<aspect_id>`` in the (generated) NLU
data hold the terms; this component turns them into ``topic`` / ``aspect`` entities whose
value is already the canonical ID. English terms match on word boundaries ("pr" is not in
"process"), Chinese terms anywhere; overlapping matches keep the longest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from desk.language import CJK, normalize
from desk.nlu.spelling import TypoCorrector

LOOKUP_KINDS = ("topic", "aspect")
_ALNUM = re.compile(r"[a-z0-9]")


def term_pattern(term: str) -> Optional[str]:
    """Regex source for one normalised term, or None if it is empty."""
    term = normalize(term).strip()
    if not term:
        return None
    pieces: List[str] = []
    previous = ""
    for char in term:
        if char.isspace():
            if pieces and pieces[-1] != r"[\s\-_/]*":
                pieces.append(r"[\s\-_/]*")
        else:
            if previous and not previous.isspace() and (bool(CJK.match(char)) != bool(CJK.match(previous))):
                pieces.append(r"\s*")  # "R签证" also matches "R 签证"
            pieces.append(re.escape(char))
        previous = char
    body = "".join(pieces)
    if _ALNUM.match(term[0]):
        body = r"(?<![a-z0-9])" + body
    if term[-1].isalpha() and term[-1].isascii() and term[-1] != "s" and len(term) >= 3:
        body += r"(?:e?s)?(?![a-z0-9])"  # "residence permits", "kids", "visas"
    elif _ALNUM.match(term[-1]):
        body += r"(?![a-z0-9])"
    return body


# Chinese terms at least this long are also found with one character mistyped
# ("工作需可", "永久据留", "居流许可": a wrong homophone from the input method).
FUZZY_CJK_MIN = 4
# Entity confidence of such a fuzzy hit: enough to name a topic on a first turn, not to
# switch away from the topic under discussion (desk.dialogue.understanding).
FUZZY_CONFIDENCE = 0.5
_CJK_CHAR = "[\u3400-\u4dbf\u4e00-\u9fff]"


def fuzzy_cjk_pattern(term: str) -> Optional[str]:
    """Regex source matching a Chinese term with any one of its characters replaced."""
    term = normalize(term).strip()
    if len(term) < FUZZY_CJK_MIN or len(term) > 8 or not all(CJK.match(c) for c in term):
        return None
    return "|".join(re.escape(term[:i]) + _CJK_CHAR + re.escape(term[i + 1 :]) for i in range(len(term)))


@dataclass(frozen=True)
class KeywordHit:
    kind: str  # "topic" | "aspect"
    value: str
    start: int
    end: int
    text: str
    exact: bool = True


class KeywordMatcher:
    """Finds lookup terms in a message; pure Python so actions and tools can use it too."""

    def __init__(self, tables: Dict[str, Iterable[str]]) -> None:
        self.tables = {name: sorted(set(terms)) for name, terms in tables.items()}
        self.corrector = TypoCorrector(
            t for terms in self.tables.values() for t in terms
        )
        self._patterns: List[Tuple[str, str, re.Pattern]] = []
        for name, terms in self.tables.items():
            kind, _, value = name.partition(":")
            sources = [p for p in (term_pattern(t) for t in terms) if p]
            if kind in LOOKUP_KINDS and value and sources:
                sources.sort(key=len, reverse=True)
                self._patterns.append((kind, value, re.compile("|".join(sources))))
        self._build_fuzzy()

    def __setstate__(self, state: Dict[str, Any]) -> None:
        """Unpickled with a model (the classifier's featurizer): build what an older version
        did not store now, at model load, not on a user's first message."""
        self.__dict__.update(state)
        if "_fuzzy" not in self.__dict__:
            self._build_fuzzy()

    def _build_fuzzy(self) -> None:
        """Compiling the one-wrong-character patterns takes seconds: done once, at load."""
        self._fuzzy: List[Tuple[str, re.Pattern]] = []
        for name, terms in self.tables.items():
            kind, _, value = name.partition(":")
            sources = [p for p in (fuzzy_cjk_pattern(t) for t in terms) if p]
            if kind == "topic" and value and sources:
                self._fuzzy.append((value, re.compile("|".join(sources))))

    def _fuzzy_topics(self, normal: str, origin: List[int], text: str) -> List[KeywordHit]:
        """Topic terms with one mistyped Chinese character, tried only when no exact topic
        term is in the message."""
        if not CJK.search(normal):
            return []
        hits = []
        for value, pattern in self._fuzzy:
            for match in pattern.finditer(normal):
                start, end = origin[match.start()], origin[match.end() - 1] + 1
                hits.append(KeywordHit("topic", value, start, end, text[start:end], exact=False))
        return hits

    def find(self, text: str) -> List[KeywordHit]:
        normal, origin = self.corrector.correct(normalize(text))
        hits: List[KeywordHit] = []
        for kind, value, pattern in self._patterns:
            for match in pattern.finditer(normal):
                if match.end() > match.start():
                    start, end = origin[match.start()], origin[match.end() - 1] + 1
                    hits.append(KeywordHit(kind, value, start, end, text[start:end]))
        if not any(h.kind == "topic" for h in hits):
            hits.extend(self._fuzzy_topics(normal, origin, text))
        # keep the longest of overlapping hits of the same kind
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        kept: List[KeywordHit] = []
        for hit in hits:
            if all(k.kind != hit.kind or k.end <= hit.start or hit.end <= k.start for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class KeywordEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Emits ``topic`` and ``aspect`` entities from the lookup tables of the training data."""

    FILE = "keyword_tables.json"

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        tables: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.matcher = KeywordMatcher(tables or {})

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KeywordEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        tables: Dict[str, List[str]] = {}
        for table in training_data.lookup_tables:
            name = table.get("name", "")
            if name.partition(":")[0] in LOOKUP_KINDS:
                tables.setdefault(name, []).extend(str(e) for e in table.get("elements", []))
        self.matcher = KeywordMatcher(tables)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(
                json.dumps(self.matcher.tables, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KeywordEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                tables = json.loads((directory / cls.FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            tables = {}
        return cls(config, model_storage, resource, tables)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = list(message.get(ENTITIES, []))
            for hit in self.matcher.find(text):
                entities.append(
                    {
                        "entity": hit.kind,
                        "value": hit.value,
                        "start": hit.start,
                        "end": hit.end,
                        "confidence_entity": 1.0 if hit.exact else FUZZY_CONFIDENCE,
                        "extractor": self.__class__.__name__,
                    }
                )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
