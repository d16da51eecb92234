"""Jieba tokenizer for mixed Chinese/English messages.

Rasa's stock JiebaTokenizer keeps jieba's whitespace tokens, which split English phrases
into odd pieces and break entities that span them (rasa#7910). This subclass drops them and
tokenizes a normalised copy of the text (traditional -> simplified, full-width -> half-width,
lower case) whose offsets still point into the original message.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from desk.language import normalize
from desk.nlu import code_fingerprint
from desk.nlu.focus import focus


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class DeskJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer without whitespace tokens, on normalised text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**JiebaTokenizer.get_default_config(), "code": code_fingerprint()}

    def process(self, messages: List[Message]) -> List[Message]:
        """A long pasted message is read as its question (desk.nlu.focus): every later
        component, and the actions, see the excerpt."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > 0:
                excerpt = focus(text)
                if excerpt != text:
                    message.set(TEXT, excerpt)
        return super().process(messages)

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        import jieba

        text = normalize(message.get(attribute) or "")
        tokens = [
            Token(word, start)
            for word, start, _end in jieba.tokenize(text)
            if word.strip()
        ]
        if not tokens:  # e.g. a message of only spaces: featurizers want one token
            tokens = [Token(text or " ", 0)]
        return self._apply_token_pattern(tokens)
