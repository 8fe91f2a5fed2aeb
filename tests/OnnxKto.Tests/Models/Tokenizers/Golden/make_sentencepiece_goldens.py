#!/usr/bin/python3
"""Golden SentencePiece models and ids for the tokenizer tests, made once by Google's sentencepiece (not OnnxKto).

Regenerate with `make tokenizer-goldens` (installs Debian's python3-sentencepiece when missing), or:
    /usr/bin/python3 tests/OnnxKto.Tests/Models/Tokenizers/Golden/make_sentencepiece_goldens.py
It trains two small models on a corpus written below, as Llama's tokenizer is configured (identity normalization,
a dummy prefix, extra whitespace kept, digits split, byte fallback): sp-bpe.model (BPE) and sp-unigram.model
(Unigram), and writes sentencepiece-goldens.json: for each model and text, sp.encode(text) (no BOS/EOS), and for a
few id lists sp.decode(ids). The tests read the committed files; they never run Python.
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


def train(kind):
    corpus = "\n".join(STORY * 20) + "\n"
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus.splitlines()), model_writer=model, model_type=kind, vocab_size=400,
        character_coverage=0.995, byte_fallback=True, split_digits=True, add_dummy_prefix=True,
        remove_extra_whitespaces=False, normalization_rule_name="identity", allow_whitespace_only_pieces=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, seed_sentencepiece_size=100000,
        hard_vocab_limit=False)
    data = model.getvalue()
    with open(os.path.join(HERE, f"sp-{kind}.model"), "wb") as f:
        f.write(data)
    return spm.SentencePieceProcessor(model_proto=data)


def main():
    goldens = {}
    for kind in ["bpe", "unigram"]:
        sp = train(kind)
        encoded = [{"text": t, "ids": sp.encode(t), "pieces": sp.encode(t, out_type=str)} for t in TEXTS]
        id_lists = [e["ids"] for e in encoded if e["ids"]] + [[sp.piece_to_id("▁there")], [1, 5, 6, 2]]
        goldens[kind] = {
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
