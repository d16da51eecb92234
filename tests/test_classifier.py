"""The fast single-message inference path gives the same features and probabilities as
sklearn's own transform / predict_proba."""

import jieba
import numpy as np
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from sklearn.linear_model import LogisticRegression

from desk.nlu.classifier import Featurizer, fast_proba

TEXTS = ["工作许可需要什么材料", "how long is the R visa valid", "口岸签证 docs", "permanent residence card",
         "永久居留要多久", "where do I apply for a work permit"]
LABELS = ["a", "b", "c", "d", "d", "a"]
TABLES = {"topic:work_permit": ["work permit", "工作许可"], "aspect:materials": ["材料", "docs"]}


def test_row_and_fast_proba_match_sklearn() -> None:
    for featurizer in (Featurizer(TABLES, 1.0), Featurizer(TABLES, 1.0, mask_topics=True)):
        messages = []
        for text in TEXTS:
            message = Message(data={"text": text})
            message.set("text_tokens", [Token(w, s) for w, s, _ in jieba.tokenize(text) if w.strip()])
            messages.append(message)
        matrix = featurizer.fit(messages)
        model = LogisticRegression(max_iter=1000).fit(matrix, LABELS)
        for i, message in enumerate(messages):
            columns, values = featurizer.row(message)
            dense = np.zeros(matrix.shape[1])
            np.add.at(dense, columns, values)
            assert np.allclose(dense, matrix[i].toarray()[0])
            assert np.allclose(fast_proba(model, columns, values), model.predict_proba(matrix[i])[0])


def test_cached_weights_are_not_pickled_and_a_refit_drops_them() -> None:
    import pickle

    featurizer = Featurizer(TABLES, 1.0)
    messages = [Message(data={"text": text}) for text in TEXTS]
    for message in messages:
        message.set("text_tokens", [Token(w, s) for w, s, _ in jieba.tokenize(message.get("text")) if w.strip()])
    featurizer.fit(messages)
    featurizer.row(messages[0])
    assert "_fast" in featurizer.__dict__ and "_fast" not in pickle.loads(pickle.dumps(featurizer)).__dict__
    matrix = featurizer.fit(messages[:3])
    columns, values = featurizer.row(messages[0])
    dense = np.zeros(matrix.shape[1])
    np.add.at(dense, columns, values)
    assert np.allclose(dense, matrix[0].toarray()[0])


def test_the_aspect_model_sees_neither_topic_keywords_nor_local_place_names() -> None:
    featurizer = Featurizer(TABLES, 1.0, mask_topics=True)
    (masked,) = featurizer._texts([Message(data={"text": "Can the Pudong work permit office in Shanghai help?"})])
    assert "pudong" not in masked and "shanghai" not in masked and "work permit" not in masked
    assert Featurizer.PLACEHOLDER in masked and "office" in masked
    (masked,) = featurizer._texts([Message(data={"text": "在浦东新区哪里办工作许可"})])
    assert "浦东" not in masked and "哪里" in masked


def _fitted(texts) -> Featurizer:
    featurizer = Featurizer(TABLES, 1.0)
    messages = [Message(data={"text": text}) for text in texts]
    for message in messages:
        message.set("text_tokens", [Token(w, s) for w, s, _ in jieba.tokenize(message.get("text")) if w.strip()])
    featurizer.fit(messages)
    return featurizer


def test_pinyin_is_read_as_the_training_data_chinese() -> None:
    featurizer = _fitted(TEXTS + ["工作许可怎么办"])
    (text,) = featurizer._texts([Message(data={"text": "gongzuoxuke yao duojiu"})])
    assert text.endswith("工作许可要多久")
    message = Message(data={"text": "gong zuo xu ke zenme ban"})
    message.set("text_tokens", [Token(w, s) for w, s, _ in jieba.tokenize(message.get("text")) if w.strip()])
    words = featurizer._words(message, featurizer._texts([message])[0])
    assert "工作" in words and "gong" in words  # the reading's words next to the message's own


def test_the_aspect_model_reads_a_chinese_question_as_words() -> None:
    featurizer = Featurizer(TABLES, 1.0, mask_topics=True)
    message = Message(data={"text": "在浦东办工作许可需要准备哪些材料"})
    words = featurizer._words(message, featurizer._texts([message])[0])
    # cut by jieba, not taken whole: "需要" and "材料" are features of their own
    assert "需要" in words and "材料" in words and Featurizer.PLACEHOLDER in words
