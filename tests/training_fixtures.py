"""Fixtures of the training tests: a tiny WordPiece tokenizer and a tiny random BERT token classifier
saved as a local encoder folder (the backbone), built once per session. No real weights.

Test modules import the fixtures they use: ``from .training_fixtures import tiny_encoder_dir  # noqa``.
"""

from __future__ import annotations

import pytest

WORDS = ("the quick brown fox jumps over lazy dog revenue grew to in q3 user can you help me with my order "
         "assistant of course what is number cat sat on mat a b c and or not ok yes no hello world please "
         "question answer paris france capital city river seine flows through summary meeting moved friday "
         "deadline report team budget approved").split()
PIECES = ["##s", "##ed", "##ing", "##ly", "##er"] + [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
PUNCT = list(".,!?;:'\"()-$%/")
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.fixture(scope="session")
def tiny_wordpiece():
    """A BERT-style WordPiece tokenizer on a ~150-entry vocabulary; like MiniLM's it lowercases and
    strips accents. (Built with ``tokenizers``: transformers 5 ignores a ``vocab_file`` argument.)"""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertTokenizerFast

    vocab = list(dict.fromkeys(SPECIAL + PUNCT + list("abcdefghijklmnopqrstuvwxyz0123456789") + PIECES
                               + sorted(set(WORDS))))
    ids = {w: i for i, w in enumerate(vocab)}
    tok = Tokenizer(models.WordPiece(vocab=ids, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])])
    tok.decoder = decoders.WordPiece()
    return BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]", do_lower_case=True)


@pytest.fixture(scope="session")
def tiny_encoder_dir(tiny_wordpiece, tmp_path_factory):
    """A tiny random BertForTokenClassification (2 labels) with its tokenizer, as a local folder."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    torch.manual_seed(0)
    config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                        vocab_size=len(tiny_wordpiece), max_position_embeddings=128, num_labels=2,
                        id2label={0: "drop", 1: "keep"}, label2id={"drop": 0, "keep": 1})
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertForTokenClassification(config).save_pretrained(folder)
    tiny_wordpiece.save_pretrained(folder)
    return folder


@pytest.fixture
def tiny_classifier(tiny_encoder_dir):
    from headroom_lingua.scorers.classifier import ClassifierConfig
    from headroom_lingua.scorers.classifier.scorer import ClassifierScorer

    return ClassifierScorer.from_pretrained(tiny_encoder_dir, device="cpu", dtype="float32",
                                            config=ClassifierConfig(window=32, stride=8, batch_size=4,
                                                                    max_question_tokens=8))
