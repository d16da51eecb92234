"""Intent and aspect classifier for short, mixed Chinese/English questions.

Intent model: TF-IDF over jieba words (uni+bigrams, the jieba dictionary holds the policy
keywords) and over character n-grams of the normalised text, logistic regression.
Aspect model (overview, materials, procedure, eligibility, where, duration): the same kind of
features on the text with topic keywords masked, plus one feature per aspect lookup table,
trained on the examples whose intent or example metadata carries ``aspect`` - so it learns
how a question is asked, not which topic it names. Topic keywords themselves reach the
dialogue as entities (KeywordEntityExtractor) rather than as intent features: as features,
broad terms pulled held-out questions to the wrong topic.

One graph node instead of Rasa's two CountVectorsFeaturizers + classifier: the sparse
sequence features those build per token are not needed here and cost time per message.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

import jieba
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
from desk.nlu.pinyin import READING_KEY, PinyinReader

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
    """Word + character TF-IDF and keyword-table features of a message, plus the Chinese
    words a message spells in pinyin (so "gongzuo xuke" reads like "工作许可").

    With ``mask_topics`` the topic keywords in the text are replaced by a placeholder and only
    the aspect tables count: the aspect model then learns from how a question is asked
    ("…需要什么材料", "can I …"), not from which topic it names.
    """

    PLACEHOLDER = "主题"
    # Local place names say where the user is, not which aspect is asked ("can the Pudong talent
    # platform be used in English?"): the aspect model does not see them.
    PLACES = re.compile(
        r"浦东新区|浦东|上海市|上海|临港|张江|陆家嘴|金桥|外高桥|\b(pudong|shanghai|lingang|zhangjiang|lujiazui|jinqiao|waigaoqiao)\b"
    )

    def __init__(self, tables: Dict[str, List[str]], keyword_weight: float, mask_topics: bool = False) -> None:
        self.mask_topics = mask_topics
        self.pinyin: Optional[PinyinReader] = None  # vocabulary of the training data, set by fit
        topics = {k: v for k, v in tables.items() if k.startswith("topic:")}
        self.topic_matcher = KeywordMatcher(topics) if mask_topics else None
        self.matcher = KeywordMatcher(
            {k: v for k, v in tables.items() if not k.startswith("topic:")} if mask_topics else tables
        )
        self.labels = sorted(self.matcher.tables)
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.keyword_weight = keyword_weight
        self.words = TfidfVectorizer(analyzer=_identity, ngram_range=(1, 1), sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, lowercase=False)

    def reading(self, message: Message) -> str:
        """The Chinese words the message spells in pinyin, joined ('' for none)."""
        return "".join(self._reading(normalize(message.get(TEXT) or "")))

    def _reading(self, text: str) -> List[str]:
        """Chinese words the normalised text spells in pinyin (desk.nlu.pinyin). A message's
        text, words and parse result each ask for it: the last one is kept, so it is read once."""
        reader: Optional[PinyinReader] = getattr(self, "pinyin", None)
        if reader is None:
            return []
        last = self.__dict__.get("_last_reading")
        if last is None or last[0] != text:
            last = self.__dict__["_last_reading"] = (text, reader.read(text))
        return last[1]

    def _texts(self, messages: List[Message]) -> List[str]:
        texts = []
        for message in messages:
            text = normalize(message.get(TEXT) or "")
            reading = self._reading(text)
            texts.append(f"{text} {''.join(reading)}" if reading else text)
        if self.topic_matcher is None:
            return texts
        masked = []
        for text in texts:
            for hit in reversed(self.topic_matcher.find(text)):
                text = text[: hit.start] + f" {self.PLACEHOLDER} " + text[hit.end :]
            masked.append(self.PLACES.sub(" ", text))
        return masked

    def _words(self, message: Message, text: str) -> List[str]:
        if self.topic_matcher is not None:
            # The masked text is cut again by jieba (same dictionary as the tokenizer): split on
            # spaces alone, a Chinese question was one "word" and only its characters counted.
            words = [w for w in jieba.lcut(text) if w.strip()]
        else:
            words = [t.text for t in message.get("text_tokens") or []]
            words += self._reading(normalize(message.get(TEXT) or ""))
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
        """Fit the vectorisers and return the training matrix (inference uses ``row``)."""
        self.__dict__.pop("_fast", None)
        self.__dict__.pop("_last_reading", None)
        self.pinyin = PinyinReader.from_tokens(
            t.text for m in messages for t in (m.get("text_tokens") or [])
        )
        texts = self._texts(messages)
        words = [self._words(m, t) for m, t in zip(messages, texts)]
        return hstack([self.words.fit_transform(words), self.chars.fit_transform(texts), self._keywords(texts)]).tocsr()

    def _fitted(self, name: str) -> Tuple[TfidfVectorizer, Any, np.ndarray]:
        """A fitted vectoriser with its analyser and idf weights, kept after the first message:
        sklearn's ``idf_`` sums a sparse matrix on every read (~1 ms a message for the two)."""
        fast = self.__dict__.setdefault("_fast", {})
        if name not in fast:
            vectorizer = getattr(self, name)
            fast[name] = (vectorizer, vectorizer.build_analyzer(), np.asarray(vectorizer.idf_, dtype=np.float64))
        return fast[name]

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_fast", None)  # rebuilt from the vectorisers after loading
        state.pop("_last_reading", None)
        return state

    def row(self, message: Message) -> Tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one message's feature row: the same numbers as the
        fitted vectorisers' ``transform`` but without sklearn's per-call validation and set-up,
        which cost ~2 ms per vectoriser for a single short message."""
        text = self._texts([message])[0]
        parts = [("words", self._words(message, text)), ("chars", text)]
        columns: List[int] = []
        values: List[float] = []
        offset = 0
        for name, document in parts:
            vectorizer, analyzer, idf = self._fitted(name)
            counts: Dict[int, int] = {}
            vocabulary = vectorizer.vocabulary_
            for term in analyzer(document):
                index = vocabulary.get(term)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if counts:
                index = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                weights = (1.0 + np.log(tf)) * idf[index]
                weights /= np.linalg.norm(weights) or 1.0
                columns.extend((index + offset).tolist())
                values.extend(weights.tolist())
            offset += len(vocabulary)
        for hit in self.matcher.find(text) if self.keyword_weight else ():
            column = self.index.get(f"{hit.kind}:{hit.value}")
            if column is not None:
                columns.append(offset + column)
                values.append(self.keyword_weight)
        return np.asarray(columns, dtype=np.int64), np.asarray(values, dtype=np.float64)


def fast_proba(model: LogisticRegression, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``predict_proba`` of a multinomial logistic regression for one sparse row."""
    scores = model.coef_[:, columns] @ values + model.intercept_
    scores -= scores.max()
    exp = np.exp(scores)
    return exp / exp.sum()


def keyword_tables(training_data: TrainingData) -> Dict[str, List[str]]:
    """The training data's lookup tables of the kinds the featurizer uses, by name; one reader
    for training and for the design comparison in eval/, so both see the same keywords."""
    tables: Dict[str, List[str]] = {}
    for table in training_data.lookup_tables:
        name = table.get("name", "")
        if name.partition(":")[0] in LOOKUP_KINDS:
            tables.setdefault(name, []).extend(str(e) for e in table.get("elements", []))
    return tables


def fit_aspect_model(
    featurizer: Featurizer, labelled: List[Tuple[Message, str]], C: float, max_iter: int = 3000
) -> LogisticRegression:
    """Fits ``featurizer`` and an aspect model on (message, aspect) pairs, with balanced class
    weights so that aspects with fewer examples are not drowned out; shared with eval/."""
    model = LogisticRegression(C=C, max_iter=max_iter, class_weight="balanced")
    model.fit(featurizer.fit([m for m, _ in labelled]), [a for _, a in labelled])
    return model


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
            # Keyword-table features help the aspect model but made the intent model lean on
            # broad terms (held-out topic accuracy fell); topics get keywords via entities.
            "keyword_weight": 0.0,
            "aspect_keyword_weight": 1.0,
            "ranking_length": 10,
            "max_iter": 3000,
            "code": code_fingerprint(),
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Optional[Tuple[Featurizer, LogisticRegression, Optional[Featurizer], Optional[LogisticRegression]]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.featurizer, self.intent_model, self.aspect_featurizer, self.aspect_model = state or (None,) * 4

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
        tables = keyword_tables(training_data)
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if not examples:
            return self._resource
        featurizer = Featurizer(tables if self.config["keyword_weight"] else {}, self.config["keyword_weight"])
        features = featurizer.fit(examples)
        intent_model = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"], class_weight="balanced"
        )
        intent_model.fit(features, [m.get(INTENT) for m in examples])
        labelled = [(m, aspect_label(m)) for m in examples if aspect_label(m)]
        aspect_featurizer, aspect_model = None, None
        if len({a for _, a in labelled}) >= 2:
            aspect_featurizer = Featurizer(tables, self.config["aspect_keyword_weight"], mask_topics=True)
            aspect_model = fit_aspect_model(aspect_featurizer, labelled, self.config["aspect_C"], self.config["max_iter"])
        self.featurizer, self.intent_model = featurizer, intent_model
        self.aspect_featurizer, self.aspect_model = aspect_featurizer, aspect_model
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump((featurizer, intent_model, aspect_featurizer, aspect_model), directory / self.FILE)
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
        intent_probs = [fast_proba(self.intent_model, *self.featurizer.row(m)) for m in messages]
        aspect_probs = (
            [fast_proba(self.aspect_model, *self.aspect_featurizer.row(m)) for m in messages]
            if self.aspect_model is not None and self.aspect_featurizer is not None
            else None
        )
        for row, message in enumerate(messages):
            order = np.argsort(-intent_probs[row])[: self.config["ranking_length"]]
            ranking = [
                {"name": str(self.intent_model.classes_[i]), "confidence": float(intent_probs[row][i])}
                for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            reading = self.featurizer.reading(message)
            if reading:
                message.set(READING_KEY, reading, add_to_output=True)
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
