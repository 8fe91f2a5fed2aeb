#!/usr/bin/python3
"""Golden SentencePiece models and ids for the tokenizer tests, made once by Google's sentencepiece (not OnnxKto).

Regenerate with `make tokenizer-goldens` (installs Debian's python3-sentencepiece when missing), or:
    /usr/bin/python3 tests/OnnxKto.Tests/Models/Tokenizers/Golden/make_sentencepiece_goldens.py
It trains small models on a corpus written below, as Llama's tokenizer is configured (identity normalization,
extra whitespace kept, digits split, byte fallback): sp-bpe.model (BPE with a dummy prefix, Llama 2 style),
sp-bpe-no-prefix.model (BPE without one, Gemma style) and sp-unigram.model (Unigram with a dummy prefix), and
writes sentencepiece-goldens.json: for each model and text, sp.encode(text) (no BOS/EOS), and for a few id lists
sp.decode(ids). It also writes each model as the tokenizer.json that transformers' converters make of it
(LlamaConverter's BPE with merges from SentencePieceExtractor, GemmaConverter's, SpmConverter's Unigram with
Metaspace), so the tests can check a tokenizer.json pipeline against sentencepiece's ids. The tests read the
committed files; they never run Python.
"""
import io
import json
import os

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))

STORY = [
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
    "One day, she saw a big red ball under a tree. She ran to it and said, \"Can I play with you?\"",
    "The sun was warm and the birds sang. Tom and his dog Max went to the river at 10 o'clock.",
    "They counted 1, 2, 3 and jumped! The water was cold, so they laughed and ran home.",
    "Mom made 42 cookies. \"Thank you, Mom!\" said Tim. He ate 7 of them before dinner.",
    "The cat sat on the mat. The dog barked at the cat. Then they were friends forever.",
    "Café au lait, naïve résumé: the teacher wrote it on the board and smiled.",
]

TEXTS = [
    "Once upon a time",
    "Once upon a time, there was a little girl named Lily.",
    " leading space",
    "two  spaces and a tab\there",
    "trailing space ",
    "numbers 12345 and 3.14",
    "Café résumé naïve",
    "unseen: 中文 and emoji 🙂!",
    "line one\nline two\n\nline four",
    "",
    " ",
    "She said, \"Can I play?\"",
]


def train(kind, dummy_prefix=True):
    corpus = "\n".join(STORY * 20) + "\n"
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus.splitlines()), model_writer=model, model_type=kind, vocab_size=400,
        character_coverage=0.995, byte_fallback=True, split_digits=True, add_dummy_prefix=dummy_prefix,
        remove_extra_whitespaces=False, normalization_rule_name="identity", allow_whitespace_only_pieces=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, seed_sentencepiece_size=100000,
        hard_vocab_limit=False)
    data = model.getvalue()
    with open(os.path.join(HERE, f"sp-{kind}{'' if dummy_prefix else '-no-prefix'}.model"), "wb") as f:
        f.write(data)
    return spm.SentencePieceProcessor(model_proto=data)


def special_tokens(sp):
    return [{"id": i, "content": sp.id_to_piece(i), "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for i in range(sp.get_piece_size()) if sp.is_control(i) or sp.is_unknown(i)]


def bpe_merges(sp):
    """transformers' SentencePieceExtractor.extract: every split of every piece into two pieces, by the piece's score."""
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    scores = {sp.id_to_piece(i): sp.get_score(i) for i in range(sp.get_piece_size())}
    merges = []
    for merge, score in scores.items():
        local = [(merge[:k], merge[k:], score) for k in range(1, len(merge)) if merge[:k] in vocab and merge[k:] in vocab]
        merges.extend(sorted(local, key=lambda x: (vocab[x[0]], vocab[x[1]])))
    merges.sort(key=lambda m: m[2], reverse=True)
    return [[left, right] for left, right, _ in merges]


def bpe_tokenizer_json(sp, dummy_prefix):
    """LlamaConverter (legacy) with a dummy prefix; GemmaConverter without one."""
    replace_space = {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}
    decoders = [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]
    if dummy_prefix:
        decoders.append({"type": "Strip", "content": " ", "start": 1, "stop": 0})
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special_tokens(sp),
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, replace_space]} if dummy_prefix else replace_space,
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": decoders},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}, "merges": bpe_merges(sp)},
    }


def unigram_tokenizer_json(sp):
    """SpmConverter for a Unigram model: Metaspace with prepend_scheme always, Unigram with byte fallback."""
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special_tokens(sp), "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "post_processor": None,
        "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}]},
        "model": {"type": "Unigram", "unk_id": sp.unk_id(), "byte_fallback": True,
                  "vocab": [[sp.id_to_piece(i), sp.get_score(i)] for i in range(sp.get_piece_size())]},
    }


def write_json(name, value):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False)
        f.write("\n")


def main():
    goldens = {}
    for name, kind, dummy_prefix in [("bpe", "bpe", True), ("bpe-no-prefix", "bpe", False), ("unigram", "unigram", True)]:
        sp = train(kind, dummy_prefix)
        write_json(f"sp-{name}.tokenizer.json", unigram_tokenizer_json(sp) if kind == "unigram" else bpe_tokenizer_json(sp, dummy_prefix))
        encoded = [{"text": t, "ids": sp.encode(t), "pieces": sp.encode(t, out_type=str)} for t in TEXTS]
        # The last: byte tokens that are not valid UTF-8 (0xC3 then 0x28), between BOS and EOS.
        id_lists = [e["ids"] for e in encoded if e["ids"]] + [[1, sp.piece_to_id("<0xC3>"), sp.piece_to_id("<0x28>"), 2]]
        goldens[name] = {
            "vocab_size": sp.get_piece_size(),
            "encode": encoded,
            "decode": [{"ids": ids, "text": sp.decode(ids)} for ids in id_lists],
        }
    with open(os.path.join(HERE, "sentencepiece-goldens.json"), "w", encoding="utf-8") as f:
        # One entry a line: diffs of a regeneration stay readable.
        f.write("{\n" + ",\n".join(
            f' "{kind}": {{"vocab_size": {g["vocab_size"]},\n  "encode": [\n   '
            + ",\n   ".join(json.dumps(e, ensure_ascii=False) for e in g["encode"])
            + '],\n  "decode": [\n   '
            + ",\n   ".join(json.dumps(d, ensure_ascii=False) for d in g["decode"]) + "]}"
            for kind, g in goldens.items()) + "\n}\n")


if __name__ == "__main__":
    main()
