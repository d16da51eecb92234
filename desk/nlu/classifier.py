"""Intent and aspect classifier for short, mixed Chinese/English questions.

Features: TF-IDF over jieba words (uni+bigrams) and over character n-grams of the normalised
text, plus one feature per topic/aspect lookup table that matches (so every keyword and
synonym an admin lists generalises to any sentence around it). Two logistic regressions on
the same features: one for the intent (``ask_<topic>``, small talk, ...), one for the aspect
(overview, materials, procedure, eligibility, where, duration), trained on the examples whose
intent or example metadata carries ``aspect``.

One graph node instead of Rasa's two CountVectorsFeaturizers + classifier: the sparse
sequence features those build per token are not needed here and cost time per message.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from desk.language import normalize
from desk.nlu import code_fingerprint
from desk.nlu.keywords import LOOKUP_KINDS, KeywordMatcher

logger = logging.getLogger(__name__)

ASPECT_KEY = "aspect"


def _identity(tokens: List[str]) -> List[str]:
    return tokens


def aspect_label(message: Message) -> Optional[str]:
    metadata = message.get("metadata") or {}
    for level in ("example", "intent"):
        value = (metadata.get(level) or {}).get(ASPECT_KEY)
        if value:
            return str(value)
    return None


class Featurizer:
    """Word + character TF-IDF and keyword-table features of a message."""

    def __init__(self, tables: Dict[str, List[str]], keyword_weight: float) -> None:
        self.matcher = KeywordMatcher(tables)
        self.labels = sorted(self.matcher.tables)
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.keyword_weight = keyword_weight
        self.words = TfidfVectorizer(
            analyzer=_identity, ngram_range=(1, 2), sublinear_tf=True, min_df=1
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1, lowercase=False
        )

    @staticmethod
    def _words(message: Message) -> List[str]:
        tokens = message.get("text_tokens") or []
        words = [t.text for t in tokens]
        return words + [f"{a}_{b}" for a, b in zip(words, words[1:])]

    def _keywords(self, texts: List[str]) -> csr_matrix:
        rows, cols = [], []
        for row, text in enumerate(texts):
            for hit in self.matcher.find(text):
                col = self.index.get(f"{hit.kind}:{hit.value}")
                if col is not None:
                    rows.append(row)
                    cols.append(col)
        data = np.full(len(rows), self.keyword_weight)
        return csr_matrix((data, (rows, cols)), shape=(len(texts), max(1, len(self.labels))))

    def fit(self, messages: List[Message]) -> csr_matrix:
        texts = [message.get(TEXT) or "" for message in messages]
        normal = [normalize(t) for t in texts]
        return hstack(
            [
                self.words.fit_transform([self._words(m) for m in messages]),
                self.chars.fit_transform(normal),
                self._keywords(texts),
            ]
        ).tocsr()

    def transform(self, messages: List[Message]) -> csr_matrix:
        texts = [message.get(TEXT) or "" for message in messages]
        return hstack(
            [
                self.words.transform([self._words(m) for m in messages]),
                self.chars.transform([normalize(t) for t in texts]),
                self._keywords(texts),
            ]
        ).tocsr()


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class DeskClassifier(GraphComponent):
    """Predicts ``intent``/``intent_ranking`` and an ``aspect`` ({name, confidence})."""

    FILE = "desk_classifier.joblib"

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 10.0,
            "aspect_C": 5.0,
            "keyword_weight": 1.0,
            "ranking_length": 10,
            "max_iter": 3000,
            "code": code_fingerprint(),
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Optional[Tuple[Featurizer, LogisticRegression, Optional[LogisticRegression]]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.featurizer, self.intent_model, self.aspect_model = state or (None, None, None)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DeskClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        tables: Dict[str, List[str]] = {}
        for table in training_data.lookup_tables:
            name = table.get("name", "")
            if name.partition(":")[0] in LOOKUP_KINDS:
                tables.setdefault(name, []).extend(str(e) for e in table.get("elements", []))
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if not examples:
            return self._resource
        featurizer = Featurizer(tables, self.config["keyword_weight"])
        features = featurizer.fit(examples)
        intent_model = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"], class_weight="balanced"
        )
        intent_model.fit(features, [m.get(INTENT) for m in examples])
        labelled = [(i, aspect_label(m)) for i, m in enumerate(examples) if aspect_label(m)]
        aspect_model = None
        if len({a for _, a in labelled}) >= 2:
            aspect_model = LogisticRegression(
                C=self.config["aspect_C"], max_iter=self.config["max_iter"], class_weight="balanced"
            )
            aspect_model.fit(features[[i for i, _ in labelled]], [a for _, a in labelled])
        self.featurizer, self.intent_model, self.aspect_model = featurizer, intent_model, aspect_model
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump((featurizer, intent_model, aspect_model), directory / self.FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "DeskClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                state = joblib.load(directory / cls.FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("DeskClassifier has no trained state; it will predict nothing")
            state = None
        return cls(config, model_storage, resource, state)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.intent_model is None or self.featurizer is None:
            return messages
        features = self.featurizer.transform(messages)
        intent_probs = self.intent_model.predict_proba(features)
        aspect_probs = self.aspect_model.predict_proba(features) if self.aspect_model else None
        for row, message in enumerate(messages):
            order = np.argsort(-intent_probs[row])[: self.config["ranking_length"]]
            ranking = [
                {"name": str(self.intent_model.classes_[i]), "confidence": float(intent_probs[row][i])}
                for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
            if aspect_probs is not None:
                best = int(np.argmax(aspect_probs[row]))
                message.set(
                    ASPECT_KEY,
                    {"name": str(self.aspect_model.classes_[best]), "confidence": float(aspect_probs[row][best])},
                    add_to_output=True,
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
