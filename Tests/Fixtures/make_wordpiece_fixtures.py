#!/usr/bin/env python3
"""Generate the WordPiece tokenizer fixtures: a small BERT vocabulary, a few hundred test sentences,
and the ids Hugging Face's ``BertTokenizerFast`` gives them.

Usage (from the repository root, with a Python that has transformers and tokenizers):

    /path/to/venv/bin/python Tests/Fixtures/make_wordpiece_fixtures.py

Writes into ``Tests/Fixtures/wordpiece/``:

* ``vocab.txt``: a vocabulary built by a fixed rule (no training) from the words the sentences
  hold, so that whole words, "##" continuation pieces and ``[UNK]`` all occur: the special tokens
  (with ``[unused0]`` … before ``[UNK]``, as in BERT's own vocabularies); most single characters,
  alone and as "##" pieces (a character whose CRC32 is divisible by 5 is left out, so words holding
  it become ``[UNK]``); then for each word, chosen by the CRC32 of its UTF-8 bytes, either the whole
  word, or a first piece and "##" pieces of two or three characters, or nothing. A few tokens appear
  twice (Hugging Face takes the id of the last line) and one line is blank.
* ``sentences.json``: the test sentences, a JSON array of strings: hand-written cases
  (punctuation, accents and combining marks, numbers, emoji, Chinese, Japanese kana, Korean,
  control and format characters, tabs and newlines, words longer than 100 characters, mixed case,
  apostrophes, URLs, special tokens written in the text, characters whose Unicode category changed
  after Unicode 8.0) and generated ones (seeded).
* ``expected.json``:

  - ``sentences``: per sentence (same order), ``uncased`` / ``cased``: ``ids`` (with ``[CLS]`` and
    ``[SEP]``) and ``tokens`` (``tokenize``), for ``do_lower_case=True`` and ``False``;
    ``uncased_truncated`` / ``cased_truncated``: the ids with ``truncation=True,
    max_length=TRUNCATED_LENGTH``.
  - ``short_truncations``: a few sentences' uncased ids truncated to 2, 3 and 5.
  - ``pairs``: sentence pairs (indices into the sentences) with their uncased ``ids`` and
    ``token_type_ids``, untruncated (``max_length`` null) and truncated (``longest_first``) to
    several lengths.
  - ``batches``: padded batches (``padding=True``), with and without truncation, of texts and of
    pairs: ``input_ids``, ``attention_mask``, ``token_type_ids``.
  - ``vocabulary_files``: small vocabulary files written in odd ways (CRLF line ends, duplicate
    tokens, trailing spaces, no final newline, blank lines) with the ids of a probe text, to check
    that the file is read as Hugging Face reads it; ``rejected_vocabulary_files``: files lacking a
    special token, which the Swift reader rejects (Hugging Face fails on the one without ``[UNK]``).

``BertTokenizerFast`` is loaded with ``from_pretrained`` from a folder holding the vocabulary and a
``tokenizer_config.json`` with ``do_lower_case`` — what a user does. (In transformers 5,
``BertTokenizerFast(vocab_file=...)`` silently ignores the file and builds a five-token vocabulary;
the keyword is ``vocab``. The script checks that both routes agree and that the vocabulary is the
file's.) The outputs are deterministic: running the script again gives byte-identical files. The
script fails if the files add up to 1 MB or more.
"""

import json
import os
import random
import shutil
import tempfile
import zlib

import tokenizers
import transformers
from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer
from transformers import BertTokenizerFast

from fixture_common import library_versions, list_sizes, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "wordpiece")
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TRUNCATED_LENGTH = 16


def crc(text):
    return zlib.crc32(text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Sentences

HANDWRITTEN = [
    # Plain text, case, apostrophes.
    "The quick brown fox jumps over the lazy dog.",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!",
    "Hello, World! How are you today?",
    "iPhone, eBay, McDonald's and NASA's rockets.",
    "don't won't can't it's I'm you're they'll we'd",
    "Rock 'n' roll isn't dead; it's 'alive'.",
    "O\u2019Brien\u2019s caf\u00e9 \u2018quoted\u2019 \u201cdouble\u201d \u00abguillemets\u00bb \u201eGerman\u201c",
    "Well-known \u2014 em dash \u2013 en dash - hyphen \u2212 minus",
    # ASCII punctuation, including the symbols BERT counts as punctuation.
    "a+b=c; x<y>z | p^q ~r `code` $5 @user #tag 50% a&b a*b a/b a\\b",
    "(round) [square] {curly} <angle> \"quotes\" 'single'",
    "!!!???... ---  ___ ,,, ;;; ::",
    "end.", "...", "?", "#", "##", "##ing", "###",
    # Numbers.
    "3.14159 1,000,000 2024-01-15 12:30pm 1st 2nd 3rd",
    "+44 20 7946 0958 or (555) 123-4567",
    "x\u00b2 + y\u00b2 = z\u00b2, \u00bd + \u00bc, 25\u00b0C, 10\u00d710",
    "\u0663\u0664\u0665 \u0967\u0968\u0969 \uff11\uff12\uff13",
    "0 00 007 1234567890 12345678901234567890",
    # Accents, precomposed and combining.
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 fa\u00e7ade",
    "\u00c5ngstr\u00f6m \u00dcber M\u00fcnchen se\u00f1or ni\u00f1o",
    "Cr\u00e8me br\u00fbl\u00e9e, Dvo\u0159\u00e1k, \u0141\u00f3d\u017a, \u00d8rsted",
    "cafe\u0301 nai\u0308ve n\u0303 a\u0308\u0304 e\u0301\u0323",
    "caf\u00e9 vs cafe\u0301 vs CAF\u00c9 vs CAFE\u0301",
    "stra\u00dfe STRASSE \u1e9e",
    "\u0130stanbul \u0131s\u0131k I\u0307",
    "\u039f\u0394\u039f\u03a3 \u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3 \u03b1\u03b2\u03b3",
    "\u041c\u043e\u0441\u043a\u0432\u0430 \u0401\u043b\u043a\u0430 \u0439\u043e\u0434",
    "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u",
    "\ufb01 \ufb02 \u2126 \u212b \u00b5",
    "Z\u0335\u0321\u0322a\u0336l\u0337g\u0338o",
    "\u13a0\u13a1 \u1c90\u1c91 \u10d0\u10d1",
    "\u0915\u094d\u0937 \u0939\u093f\u0928\u094d\u0926\u0940 \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22",
    "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd \u0627\u0644\u0652\u0639\u064e\u0631\u064e\u0628\u0650\u064a\u064e\u0651\u0629",
    # Emoji.
    "I love it \U0001F600\U0001F389",
    "thumbs \U0001F44D\U0001F3FD up",
    "family \U0001F468\u200d\U0001F469\u200d\U0001F467 flag \U0001F1EB\U0001F1F7",
    "heart \u2764\ufe0f and \u2764",
    "newer emoji \U0001F970 \U0001FAE0 \U0001F923",
    "\u2603\u2601\u2602 \u2605\u2606",
    # Chinese, Japanese, Korean.
    "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8",
    "\u4e2d\u6587English\u6df7\u5408text",
    "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c",
    "\u30ab\u30bf\u30ab\u30ca \u3072\u3089\u304c\u306a \uff76\uff80\uff76\uff85",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002",
    "\uc548\ub155\ud558\uc138\uc694 \ud55c\uad6d\uc5b4",
    "\U00020000\U00020001 \U0002A700 \U0002B81F\U0002B820\U0002B91F\U0002B920 \U0002F800",
    "\uf900\uf901 \u3400\u4dbf \u9fff\ua000",
    "\uff21\uff22\uff23\uff11\uff12\uff13\uff01 \uff08\u5168\u89d2\uff09",
    "\u3002\u3001\u300c\u300d\u300e\u300f\u3010\u3011",
    # Control, format and whitespace characters.
    "a\u0000b", "x\u0007y\u001bz", "tab\there", "new\nline", "cr\rlf\r\ncrlf",
    "zero\u200bwidth soft\u00adhyphen bidi\u202emark\u202c",
    "\ufeffbyte order mark", "replacement\ufffdchar", "nbsp\u00a0here ideographic\u3000space",
    "line\u2028separator paragraph\u2029separator", "\u000bvertical\u000cfeed\u0085nel",
    "private\ue000use \U000F0000", "\u001c\u001d\u001e\u001f unit separators",
    "  leading and trailing spaces  ", "\t\n\r", "", " ",
    "many     spaces\t\t\ttabs\n\n\nnewlines",
    # Long words.
    "a" * 100, "a" * 101, "b" * 99 + "!",
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "antidisestablishmentarianism" * 3 + " short",
    "\u00e9" * 101, "e\u0301" * 50, "e\u0301" * 51,
    "\u6f22" * 150,
    "x" * 60 + "." + "y" * 60,
    # URLs, paths, identifiers.
    "https://www.example.com/path/to/page?q=1&r=two#frag",
    "mailto:user.name+tag@example.co.uk",
    "C:\\Users\\me\\file_name.txt and /usr/local/bin",
    "snake_case_variable CamelCaseWord kebab-case-word",
    "v1.2.3-beta+build.45",
    # Special tokens written in the text.
    "[MASK] is here", "a[SEP]b", "[mask] lower case", "[CLS][CLS]", "[[UNK]]", "[MASK ]",
    "[UNK]", "[PAD][PAD] pad", "x [SEP] y [SEP] z", "[MA\u0000SK]", "[Mask]",
    # Characters whose category in Unicode 8.0 differs from today's, or assigned after 8.0.
    "a\u166db a\U000111c9b a\u09fdb a\u0a76b",
    "x\u0890y x\u08e2y x\U000110cdy",
    "\u2e55bracket\u2e56 a\u2e3bb",
    "e\u1734 e\U0001171e e\u1885 e\ua9bd",
    "\U00011938 \U00011935\U00011930",
    "a\u07fdb a\u0898b",
]

WORDS = (
    "the a of and to in is you that it he was for on are as with his they at be this have from "
    "or one had by word but not what all were we when your can said there use an each which she "
    "do how their if will up other about out many then them these so some her would make like "
    "him into time has look two more write go see number no way could people my than first water "
    "been call who oil its now find long down day did get come made may part playing played "
    "unaffable running jumped happiness tokenizer embedding transformer attention"
).split()
ACCENTED = ["caf\u00e9", "na\u00efve", "\u00fcber", "ni\u00f1o", "\u00c5ngstr\u00f6m", "fa\u00e7ade",
            "\u00e9cole", "\u00e7a", "\u0153uvre", "G\u00f6del", "Erd\u0151s", "Sm\u00f8rebr\u00f8d"]
CJK = ["\u4e2d\u6587", "\u5317\u4eac", "\u6771\u4eac", "\u6f22\u5b57", "\u3072\u3089\u304c\u306a",
       "\u30ab\u30bf\u30ab\u30ca", "\ud55c\uad6d", "\u65e5\u672c"]
EMOJI = ["\U0001F600", "\U0001F389", "\U0001F44D", "\u2764\ufe0f", "\U0001F970", "\u2728"]
PUNCTUATION = [".", ",", "!", "?", ";", ":", "'", "\"", "(", ")", "-", "...", "\u2014", "\u201c", "\u2019"]
SEPARATORS = [" ", " ", " ", " ", "", "\t", "\n", "  "]


def generated_sentences(count, seed=20261204):
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(3, 16)):
            kind = rng.random()
            if kind < 0.55:
                word = rng.choice(WORDS)
                style = rng.random()
                word = word.capitalize() if style < 0.2 else word.upper() if style < 0.27 else word
            elif kind < 0.65:
                word = rng.choice(ACCENTED)
            elif kind < 0.73:
                word = str(rng.randint(0, 10 ** rng.randint(1, 7)))
            elif kind < 0.85:
                word = rng.choice(PUNCTUATION)
            elif kind < 0.93:
                word = rng.choice(CJK)
            else:
                word = rng.choice(EMOJI)
            parts.append(word)
        text = ""
        for part in parts:
            text += part + rng.choice(SEPARATORS)
        sentences.append(text.strip(" "))
    return sentences


# ---------------------------------------------------------------------------------------------
# Vocabulary


def words_of(sentences, lowercase):
    normalizer = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                lowercase=lowercase)
    pre_tokenizer = BertPreTokenizer()
    words = set()
    for sentence in sentences:
        for special in SPECIAL:
            sentence = sentence.replace(special, " ")
        for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(sentence)):
            words.add(word)
    return words


def build_vocabulary(sentences):
    words = sorted(words_of(sentences, True) | words_of(sentences, False))
    characters = sorted({character for word in words for character in word})
    tokens = ["[PAD]"] + ["[unused%d]" % index for index in range(8)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    seen = set(tokens)

    def add(token):
        if token and token not in seen:
            seen.add(token)
            tokens.append(token)

    for character in characters:
        if crc(character) % 5 != 0:
            add(character)
            add("##" + character)
    for word in words:
        if len(word) > 100:
            continue
        choice = crc(word) % 10
        if choice < 5:
            add(word)
        elif choice < 8:
            first = 1 + crc(word) % 3
            add(word[:first])
            rest = word[first:]
            while rest:
                size = 2 + crc(rest) % 2
                add("##" + rest[:size])
                rest = rest[size:]
    # Precomposed accented words (never their decomposed spellings) and a whole word for the
    # long-word cases, which must still become [UNK].
    for token in ["caf\u00e9", "##\u00e9", "na\u00efve", "Caf\u00e9", "CAF\u00c9", "a" * 100, "a" * 101]:
        add(token)
    # A blank line, and duplicates: Hugging Face gives a token the id of its last line.
    tokens.insert(len(tokens) // 2, "")
    tokens += ["the", "##s", "[MASK]", "caf\u00e9"]
    return tokens


# ---------------------------------------------------------------------------------------------
# Hugging Face


def hugging_face_tokenizer(vocabulary_path, lowercase, folder):
    os.makedirs(folder, exist_ok=True)
    shutil.copy(vocabulary_path, os.path.join(folder, "vocab.txt"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as file:
        json.dump({"do_lower_case": lowercase}, file)
    loaded = BertTokenizerFast.from_pretrained(folder)
    direct = BertTokenizerFast(vocab=vocabulary_path, do_lower_case=lowercase)
    assert loaded.get_vocab() == direct.get_vocab()
    assert set(loaded.get_vocab()) - set(SPECIAL), "the vocabulary file was not read"
    return loaded


def pad_batch(tokenizer, first, second=None, max_length=None):
    kwargs = dict(padding=True)
    if max_length is not None:
        kwargs.update(truncation=True, max_length=max_length)
    encoded = tokenizer(first, second, **kwargs) if second is not None else tokenizer(first, **kwargs)
    return {key: encoded[key] for key in ("input_ids", "attention_mask", "token_type_ids")}


VOCABULARY_FILES = {
    "crlf": "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nab\r\n##c\r\nx\r\n",
    "duplicates": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nab\nx\nab\n##c\nx\n##c\n",
    "trailing_whitespace": "[PAD]  \n[UNK]\t\n[CLS]\n[SEP]\u3000\n[MASK]\nab \n##c\t\t\nx\n",
    "leading_space": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n ab\nab\n##c\n x\n",
    "no_final_newline": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nab\n##c\nx",
    "blank_lines": "\n[PAD]\n\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n\nab\n##c\nx\n\n",
    "lone_carriage_return": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nab\rx\n##c\nx\n",
}
PROBE_TEXT = "abc x ab ##c [MASK] abx"
# Files the Swift reader must reject, with the special tokens it reports missing. Hugging Face
# fails on a file without [UNK] when encoding; the Swift reader also refuses a file without one of
# the other special tokens, which Hugging Face would add past the end of the vocabulary instead
# (a byte-order mark makes the first line "\ufeff[PAD]", not "[PAD]", for both).
REJECTED_VOCABULARY_FILES = {
    "no_unknown": ("[PAD]\n[CLS]\n[SEP]\n[MASK]\nab\n", ["[UNK]"]),
    "no_mask": ("[PAD]\n[UNK]\n[CLS]\n[SEP]\nab\n", ["[MASK]"]),
    "only_newline": ("\n", SPECIAL),
    "byte_order_mark": ("\ufeff[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n", ["[PAD]"]),
}


def vocabulary_file_cases(work):
    cases = []
    for name, content in VOCABULARY_FILES.items():
        path = os.path.join(work, name + ".txt")
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write(content)
        tokenizer = hugging_face_tokenizer(path, True, os.path.join(work, name))
        cases.append({"name": name, "content": content, "text": PROBE_TEXT,
                      "ids": tokenizer(PROBE_TEXT)["input_ids"]})
    for name, (content, missing) in REJECTED_VOCABULARY_FILES.items():
        path = os.path.join(work, name + ".txt")
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write(content)
        if "[UNK]" in missing:
            try:
                hugging_face_tokenizer(path, True, os.path.join(work, name))(PROBE_TEXT)
                raise AssertionError("Hugging Face accepted a vocabulary without [UNK]")
            except Exception as error:  # tokenizers raises a plain Exception
                assert "Missing [UNK]" in str(error), error
    return cases


# ---------------------------------------------------------------------------------------------


def main():
    os.makedirs(OUT, exist_ok=True)
    sentences = HANDWRITTEN + generated_sentences(220)
    assert len(set(sentences)) == len(sentences), "duplicate sentences"
    tokens = build_vocabulary(sentences)
    vocabulary_path = os.path.join(OUT, "vocab.txt")
    with open(vocabulary_path, "w", encoding="utf-8", newline="\n") as file:
        file.write("\n".join(tokens) + "\n")
    write_json(os.path.join(OUT, "sentences.json"), sentences, ensure_ascii=True, indent=0)

    with tempfile.TemporaryDirectory() as work:
        uncased = hugging_face_tokenizer(vocabulary_path, True, os.path.join(work, "uncased"))
        cased = hugging_face_tokenizer(vocabulary_path, False, os.path.join(work, "cased"))
        per_sentence = []
        for sentence in sentences:
            entry = {}
            for name, tokenizer in (("uncased", uncased), ("cased", cased)):
                entry[name] = {"ids": tokenizer(sentence)["input_ids"], "tokens": tokenizer.tokenize(sentence)}
                entry[name + "_truncated"] = tokenizer(sentence, truncation=True,
                                                       max_length=TRUNCATED_LENGTH)["input_ids"]
            per_sentence.append(entry)

        long_sentences = [index for index, sentence in enumerate(sentences)
                          if len(per_sentence[index]["uncased"]["ids"]) > 8][:12]
        short_truncations = [{"sentence": index, "max_length": length,
                              "ids": uncased(sentences[index], truncation=True, max_length=length)["input_ids"]}
                             for index in long_sentences for length in (2, 3, 5)]

        rng = random.Random(7)
        pair_indices = [(rng.randrange(len(sentences)), rng.randrange(len(sentences))) for _ in range(40)]
        pairs = []
        for first, second in pair_indices:
            encodings = []
            for length in (None, 24, 16, 11, 7, 4, 3):
                kwargs = {} if length is None else dict(truncation=True, max_length=length)
                encoded = uncased(sentences[first], sentences[second], **kwargs)
                encodings.append({"max_length": length, "ids": encoded["input_ids"],
                                  "token_type_ids": encoded["token_type_ids"]})
            pairs.append({"first": first, "second": second, "encodings": encodings})

        batch_indices = [0, 5, 40, 96]
        batch_texts = [sentences[index] for index in batch_indices]
        pair_batch = pair_indices[:4]
        batches = {
            "texts": batch_indices,
            "padded": pad_batch(uncased, batch_texts),
            "padded_truncated_12": pad_batch(uncased, batch_texts, max_length=12),
            "cased_padded": pad_batch(cased, batch_texts),
            "pairs": [list(pair) for pair in pair_batch],
            "pairs_padded": pad_batch(uncased, [sentences[a] for a, _ in pair_batch],
                                      [sentences[b] for _, b in pair_batch]),
            "pairs_padded_truncated_10": pad_batch(uncased, [sentences[a] for a, _ in pair_batch],
                                                   [sentences[b] for _, b in pair_batch], max_length=10),
        }
        vocabulary_files = vocabulary_file_cases(work)

    expected = {
        "versions": library_versions(transformers, tokenizers),
        "truncated_length": TRUNCATED_LENGTH,
        "sentences": per_sentence,
        "short_truncations": short_truncations,
        "pairs": pairs,
        "batches": batches,
        "vocabulary_files": vocabulary_files,
        "rejected_vocabulary_files": [{"name": name, "content": content, "missing": missing}
                                      for name, (content, missing) in REJECTED_VOCABULARY_FILES.items()],
    }
    write_json(os.path.join(OUT, "expected.json"), expected, ensure_ascii=True, separators=(",", ":"))

    total = list_sizes(OUT)
    unknown = sum(entry["uncased"]["tokens"].count("[UNK]") for entry in per_sentence)
    pieces = sum(sum(token.startswith("##") for token in entry["uncased"]["tokens"]) for entry in per_sentence)
    print("%d sentences, %d vocabulary lines, %d [UNK] and %d ## pieces (uncased)"
          % (len(sentences), len(tokens), unknown, pieces))
    assert total < 1_000_000, "fixtures too large: %d bytes" % total


if __name__ == "__main__":
    main()
