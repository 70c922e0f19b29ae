#!/usr/bin/env python3
"""Generate the CLIP tokenizer fixtures: a small byte-level BPE vocabulary in CLIP's layout, a few
hundred test sentences, and the ids Hugging Face's ``CLIPTokenizerFast`` gives them.

Usage (from the repository root, with a Python that has transformers and tokenizers):

    /path/to/venv/bin/python Tests/Fixtures/make_clip_tokenizer_fixtures.py

No model hub is needed: the vocabulary is trained here. Byte-pair training set up as CLIP's
(CLIP's normalizer and pre-tokenizer, taken from ``CLIPTokenizerFast`` itself, so pieces are spelled
in GPT-2's byte-level alphabet; end-of-word suffix ``</w>``) learns ``MERGES`` merges from a
generated corpus of captions and made-up words (``training_corpus``, ``train_merges``; a plain
Python loop, because ``tokenizers``' own trainer breaks ties in hash order and gives different
merges on each run). The files are then written as OpenAI's are laid out: the 256 byte characters
in GPT-2's order, the same with ``</w>``, one token per merge in merge order, then
``<|startoftext|>`` and ``<|endoftext|>``. The byte characters of ``~``, backtick and 0xD0 (the
first byte of most Cyrillic letters), which the corpus never holds, are left out, so that text
holding them meets the unknown token.

Writes into ``Tests/Fixtures/clip_tokenizer/``:

* ``vocab.json`` (UTF-8, token -> id) and ``merges.txt`` (``#version: 0.2``, then one merge per line).
* ``sentences.json``: the test sentences, a JSON array of strings: hand-written cases (captions,
  contractions, punctuation, numbers, accents and combining marks, characters of recent Unicode
  versions, emoji, CJK, whitespace of every kind, control characters, special tokens written in
  the text, bytes the vocabulary lacks, very long words, texts of more than 77 tokens, the empty
  string) and generated captions (seeded).
* ``expected.json``:

  - ``sentences``: per sentence (same order): ``ids`` (``input_ids`` with ``<|startoftext|>`` and
    ``<|endoftext|>``, untruncated), ``tokens`` (``tokenize``) and ``truncated`` (``truncation=True,
    max_length=77``; null where it equals ``ids``).
  - ``short_truncations``: a few sentences' ids truncated to 2, 3, 5 and 10.
  - ``batches``: padded batches of a few sentences: ``padding=True``; ``padding=True,
    truncation=True, max_length=77``; ``padding="max_length", truncation=True, max_length=77``;
    ``padding=True`` with ``max_length=8``: ``input_ids`` and ``attention_mask``.
  - ``configurations``: the fixture vocabulary in folders with a ``tokenizer_config.json``: one
    that pads with ``!`` (as Stable Diffusion 2's OpenCLIP tokenizer does; the padding token also
    becomes a special token of the text) and one shaped like OpenAI's (``added_tokens_decoder``
    marks ``<|startoftext|>`` normalized): the configuration, and the ids and a padded batch of
    probe texts.
  - ``vocabulary_files``: tiny ``vocab.json`` / ``merges.txt`` pairs written in odd ways (CRLF, no
    version line, a version line twice, no final newline, a merge listed twice, ids out of order,
    escaped JSON) with the ids of a probe text; ``rejected_vocabulary_files``: pairs that
    ``tokenizers`` refuses (blank line, three tokens on a line, a token or a merged token the
    vocabulary lacks, a vocabulary that is no JSON object or has a negative or fractional id) or
    that the Swift reader refuses (a vocabulary without ``<|startoftext|>``, which Hugging Face
    would add at a new id), with the kind of error the Swift reader must give.

``CLIPTokenizerFast`` is loaded with ``from_pretrained`` from a folder holding the two files — what a
user does. (In transformers 5, ``CLIPTokenizerFast(vocab_file=..., merges_file=...)`` silently
ignores both files and builds a three-token vocabulary; the keywords are ``vocab`` and ``merges``.
The script checks that both routes agree and that the vocabulary is the file's.) The outputs are
deterministic: running the script again gives byte-identical files. The script fails if the files
add up to 600 kB or more.
"""

import json
import os
import random
import shutil
import tempfile
from collections import Counter

import tokenizers
import transformers
from transformers import CLIPTokenizerFast

from fixture_common import library_versions, list_sizes, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "clip_tokenizer")
MERGES = 1500
CONTEXT_LENGTH = 77
START, END, SUFFIX = "<|startoftext|>", "<|endoftext|>", "</w>"
DROPPED_BYTES = [ord("~"), ord("`"), 0xD0]


def bytes_to_unicode():
    """GPT-2's byte -> character table, in GPT-2's order (printable Latin-1 bytes first)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) \
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    order, characters = printable[:], printable[:]
    shifted = 0
    for byte in range(256):
        if byte not in printable:
            order.append(byte)
            characters.append(256 + shifted)
            shifted += 1
    return [(byte, chr(character)) for byte, character in zip(order, characters)]


# ---------------------------------------------------------------------------------------------
# Corpus and vocabulary

NOUNS = ("dog cat man woman child boy girl bird horse cow sheep car bus truck train bicycle "
         "motorcycle airplane boat street road city building house room kitchen table chair bed "
         "couch window door tree flower grass field beach ocean water river lake mountain sky "
         "cloud snow rain sun light shadow people group crowd player team ball frisbee kite "
         "umbrella bag phone laptop computer screen book pizza sandwich cake banana apple orange "
         "plate bowl cup glass bottle food dinner lunch breakfast photo picture image sign clock "
         "tower bridge park bench fence wall floor ground hill skateboard surfboard wave skier "
         "giraffe elephant zebra bear teddy toilet sink mirror shirt hat jacket dress hand face "
         "square circle triangle cube sphere cylinder object shape color").split()
ADJECTIVES = ("red blue green yellow black white brown gray orange purple pink large small big "
              "little tall short young old happy empty full wooden metal plastic shiny rubber "
              "bright dark sunny cloudy busy quiet crowded open closed clean dirty wet dry "
              "beautiful cute").split()
VERBS = ("sitting standing walking running playing eating holding riding flying looking jumping "
         "lying parked watching carrying waiting swimming driving throwing catching talking "
         "smiling reading cooking cutting wearing").split()
PREPOSITIONS = "on in at near next to behind under over with beside above below of".split()
EXTRA_WORDS = ["caf\u00e9", "na\u00efve", "r\u00e9sum\u00e9", "\u00fcber", "ni\u00f1o", "fa\u00e7ade",
               "\u00e9cole", "cr\u00e8me", "Z\u00fcrich", "S\u00e3o", "\u00e5ngstr\u00f6m",
               "\u4e2d\u6587", "\u5317\u4eac", "\u6771\u4eac", "\u65e5\u672c", "\u732b", "\u72ac",
               "\u3072\u3089\u304c\u306a", "\ud55c\uad6d", "\U0001F600", "\U0001F436", "\u2764\ufe0f",
               "\U0001F44D", "it's", "don't", "I'm", "they're", "we've", "you'll", "he'd"]
PUNCTUATION = [".", ",", "!", "?", ";", ":", "-", "(", ")", "\"", "'", "...", "\u2014"]


SYLLABLES = ("ka to mi ra ne su lo ve di pa en or an er in ing tion ment ly est ous ble ful ness "
             "st tr pl br gr ch sh th qu ph ex re un pre con pro dis sub ize ate ism ist "
             "\u00e9 \u00e0 \u00fc \u00f6 \u00f1 \u00e7 \u00f8 \u00e5").split()
CJK_CHARACTERS = ("\u4e00\u4e8c\u4e09\u4eba\u5927\u5c0f\u5c71\u6c34\u706b\u6728\u91d1\u571f\u65e5\u6708"
                  "\u732b\u72ac\u8eca\u82b1\u3042\u3044\u3046\u3048\u304a\u304b\u304d\u304f\u3055\u3057")


def invented_word(rng):
    """A made-up word of syllables, or a run of CJK characters: the corpus needs more distinct words
    than the captions hold to yield enough merges."""
    if rng.random() < 0.15:
        return "".join(rng.choice(CJK_CHARACTERS) for _ in range(rng.randint(1, 4)))
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def caption(rng):
    words = ["a" if rng.random() < 0.7 else "the", rng.choice(ADJECTIVES), rng.choice(NOUNS)]
    if rng.random() < 0.8:
        words += [rng.choice(VERBS), rng.choice(PREPOSITIONS), rng.choice(["a", "the", "two", "some"]),
                  rng.choice(ADJECTIVES), rng.choice(NOUNS)]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words) + 1), rng.choice(EXTRA_WORDS))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words) + 1), str(rng.randint(0, 2100)))
    text = " ".join(words)
    if rng.random() < 0.4:
        text = text[0].upper() + text[1:]
    return text + (rng.choice(PUNCTUATION) if rng.random() < 0.6 else "")


def training_corpus():
    rng = random.Random(20261204)
    corpus = [caption(rng) for _ in range(6000)]
    corpus += [" ".join(invented_word(rng) for _ in range(8)) for _ in range(3000)]
    for line in corpus:
        assert not any(byte in DROPPED_BYTES for byte in line.encode("utf-8")), line
    return corpus


def train_merges(corpus, count):
    """The first `count` merges of byte-pair training on `corpus`, split as CLIP splits text (the
    normalizer and pre-tokenizer of ``CLIPTokenizerFast`` itself, so pieces come out spelled in the
    byte-level alphabet) with ``</w>`` on the last symbol of each piece. Each step merges the most
    frequent adjacent pair; ties go to the smallest pair in code-point order, so the result is
    deterministic (``tokenizers``' own trainer breaks ties by hash order, which varies per run)."""
    reference = CLIPTokenizerFast().backend_tokenizer
    pieces = Counter()
    for line in corpus:
        for piece, _ in reference.pre_tokenizer.pre_tokenize_str(reference.normalizer.normalize_str(line)):
            pieces[piece] += 1
    words = [(list(piece[:-1]) + [piece[-1] + SUFFIX], frequency) for piece, frequency in sorted(pieces.items())]
    merges = []
    while len(merges) < count:
        pairs = Counter()
        for symbols, frequency in words:
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += frequency
        frequency, pair = min((-frequency, pair) for pair, frequency in pairs.items())
        assert -frequency >= 2, "the corpus yields only %d merges" % len(merges)
        merges.append(pair)
        merged = pair[0] + pair[1]
        for symbols, _ in words:
            index = 0
            while index < len(symbols) - 1:
                if (symbols[index], symbols[index + 1]) == pair:
                    symbols[index:index + 2] = [merged]
                index += 1
    return merges


def build_vocabulary():
    """(vocab, merges) in CLIP's layout, from merges trained on the corpus."""
    merges = train_merges(training_corpus(), MERGES)
    dropped = {character for byte, character in bytes_to_unicode() if byte in DROPPED_BYTES}
    base = [character for byte, character in bytes_to_unicode() if character not in dropped]
    tokens = base + [character + SUFFIX for character in base]
    for left, right in merges:
        assert not any(character in left + right for character in dropped), (left, right)
        tokens.append(left + right)
    tokens += [START, END]
    vocab = {}
    for token in tokens:
        vocab.setdefault(token, len(vocab))
    for left, right in merges:
        assert left in vocab and right in vocab, (left, right)
    return vocab, merges


def write_vocabulary(folder, vocab, merges):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as file:
        json.dump(vocab, file, ensure_ascii=False)
        file.write("\n")
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8", newline="\n") as file:
        file.write("#version: 0.2\n")
        file.writelines("%s %s\n" % merge for merge in merges)


# ---------------------------------------------------------------------------------------------
# Sentences

LONG_TEXT = ("A large group of people standing around a table covered with plates of food, while two "
             "dogs sleep under the chairs and a child in a red jacket holds a balloon; outside the "
             "window, snow falls on a row of parked cars, a bus waits at the corner, and the clock "
             "on the tower shows 12:45. Everyone is smiling, talking and laughing, and nobody notices "
             "the cat on the shelf above the door, which is slowly pushing a glass towards the edge.")

HANDWRITTEN = [
    # Captions and case.
    "a photo of a dog", "A Photo Of A Cat.", "A PHOTO OF TWO CATS SLEEPING ON A COUCH",
    "a red cube next to a blue sphere", "Is there a green cylinder left of the small metal cube?",
    "an image of a giraffe eating leaves from a tall tree",
    "two people riding bicycles down a busy city street",
    "unseen words: xylophone quizzical jukebox wristwatch",
    # Contractions and apostrophes.
    "it's", "don't won't can't it's I'm you're they'll we'd we've she's",
    "IT'S THEY'RE WE'VE I'LL SHE'D I'M DON'T", "rock 'n' roll isn't dead",
    "'s 't 're 've 'm 'll 'd", "'S 'T 'RE 'VE 'M 'LL 'D", "''s '''s !'s 'sss 'll've 'd'd",
    "y'all o'clock ma'am ne'er-do-well", "'", "''", "'re'", "'x 'q 'r 'v 'l",
    "don\u2019t it\u2019s \u2018curly\u2019 \u201cdouble\u201d quotes", "the dog's bone and the dogs' bones",
    # Punctuation.
    "Hello, World! How are you today?", "end.", "...", "?!?!", "!!!???... ---  ___ ,,, ;;; ::",
    "(round) [square] {curly} <angle> \"quotes\"", "a+b=c; x<y>z | p^q $5 @user #tag 50% a&b a*b a/b a\\b",
    "well-known \u2014 em dash \u2013 en dash - hyphen \u2212 minus \u2026 ellipsis",
    "\u00bfQu\u00e9? \u00a1S\u00ed! \u00ab guillemets \u00bb \u201e German \u201c",
    "https://www.example.com/path/to/page?q=1&r=two#frag", "mailto:user.name+tag@example.co.uk",
    "snake_case_variable CamelCaseWord kebab-case-word v1.2.3-beta+build.45",
    # Numbers: every digit is a piece of its own.
    "2024", "3.14159 1,000,000 2024-01-15 12:30pm", "1st 2nd 3rd 4th 21st", "0 00 007 1234567890",
    "x\u00b2 + y\u00b2 = z\u00b2, \u00bd + \u00bc, 25\u00b0C, 10\u00d710, 10\u207b\u00b3",
    "\u2460\u2461\u2462 \u2160\u2161\u216b \u216c", "\u0663\u0664\u0665 \u0967\u0968\u0969 \uff11\uff12\uff13",
    "\U0001D7D8\U0001D7D9 \U00010107 \U0001F100", "abc123def 4x4 A1B2C3",
    # Accents, precomposed and combining (NFC composes), and case mappings.
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 fa\u00e7ade", "cafe\u0301 nai\u0308ve", "CAF\u00c9 CAFE\u0301 Caf\u00e9",
    "\u212bngstr\u00f6m \u00c5ngstr\u00f6m A\u030angstro\u0308m", "Cr\u00e8me br\u00fbl\u00e9e, Dvo\u0159\u00e1k, \u0141\u00f3d\u017a, \u00d8rsted",
    "S\u00e3o Paulo, Z\u00fcrich, M\u00fcnchen, se\u00f1or ni\u00f1o", "stra\u00dfe STRASSE \u1e9e",
    "\u0130stanbul \u0131s\u0131k I\u0307", "\u039f\u0394\u039f\u03a3 \u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3 \u03b1\u03b2\u03b3",
    "\u01c4 \u01c5 \u01c6 \u01f1", "\ufb01 \ufb02 \u2126 \u212a \u00b5", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u",
    "Z\u0335\u0321\u0322a\u0336l\u0337g\u0338o", "a\u0301\u0316 a\u0316\u0301 a\u0323\u0302 a\u0302\u0323",
    "e\u0898\u0301 a\u1df6\u0316 a\u0316\u1df6 o\u1ac1\u0301", "\U00011935\U00011930 \U00011938",
    "\u1100\u1161\u11a8 \u1112\u1161\u11ab \uac00\u11a8",
    "\uac00\u11a7 \uac00\u11c3 \u1113\u1161 \u1100\u1176 \uac01\u11a8 \u1100\u0301\u1161", "\u0915\u094d\u0937 \u0939\u093f\u0928\u094d\u0926\u0940 \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22",
    "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd \u0627\u0644\u0652\u0639\u064e\u0631\u064e\u0628\u0650\u064a\u064e\u0651\u0629",
    "\u13a0\u13a1 \u1c90\u1c91 \u10d0\u10d1 \u0587", "x>\u0338y =\u0338 <\u0338",
    # Letters and digits of recent Unicode versions (Unicode 16 counts, 17 does not).
    "\U00016D40\U00016D41\U00016D6B \U00016D70\U00016D71", "\U00016EA0\U00016EBB \U00011DE0\U00011DE1 \U00016FF4",
    "abc\U00016EA0def 1\U00011DE02", "\U000105C0\U000105C1 \U00011BC0\U00011BC1",
    # Emoji and symbols.
    "I love it \U0001F600\U0001F389", "thumbs \U0001F44D\U0001F3FD up", "family \U0001F468\u200d\U0001F469\u200d\U0001F467",
    "flag \U0001F1EB\U0001F1F7 heart \u2764\ufe0f and \u2764", "\U0001F436\U0001F431\U0001F42D", "a\U0001F600b",
    "\u2603\u2601\u2602 \u2605\u2606 \u2660\u2663\u2665\u2666 \u00a9\u00ae\u2122", "\u20ac5 \u00a310 \u00a5100 \u20b9",
    # Chinese, Japanese, Korean: letters, so an unbroken run is one piece.
    "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8", "\u4e2d\u6587English\u6df7\u5408text",
    "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002",
    "\u30ab\u30bf\u30ab\u30ca \u3072\u3089\u304c\u306a \uff76\uff80\uff76\uff85", "\uc548\ub155\ud558\uc138\uc694 \ud55c\uad6d\uc5b4",
    "\uff21\uff22\uff23\uff11\uff12\uff13\uff01 \uff08\u5168\u89d2\uff09", "\u3002\u3001\u300c\u300d\u300e\u300f\u3010\u3011",
    "\u732b\u304c\u3044\u307e\u3059 a cat \U00020000\U00020001",
    # Whitespace of every kind (runs become one space, then are dropped).
    "  leading and trailing spaces  ", "many     spaces\t\t\ttabs\n\n\nnewlines", "tab\there new\nline cr\rlf\r\ncrlf",
    "nbsp\u00a0here ideographic\u3000space thin\u2009space", "line\u2028separator paragraph\u2029separator",
    "\u000bvertical\u000cfeed\u0085nel", "\u1680ogham\u202fnarrow\u205fmath", "", " ", "\t\n\r", "\u3000\u00a0",
    "zero\u200bwidth soft\u00adhyphen mongolian\u180evowel", "word\u2060joiner bidi\u202emark\u202c",
    # Control and other unusual characters (CLIP does not remove them).
    "a\u0000b", "x\u0007y\u001bz\u007f", "\ufeffbyte order mark", "replacement\ufffdchar",
    "private\ue000use \U000F0000", "\u001c\u001d\u001e\u001f unit separators",
    # Bytes the vocabulary lacks become <|endoftext|>.
    "~tilde~", "`code`", "a~b", "~", "\u041c\u043e\u0441\u043a\u0432\u0430 \u0451\u043b\u043a\u0430",
    # Special tokens written in the text.
    START, END, "a<|endoftext|>b", "<|startoftext|>a photo<|endoftext|>", "<|ENDOFTEXT|>", "<|StartOfText|>",
    "<|endoftext|>'s", "!<|endoftext|>!", "<<|endoftext|>>", "<|startoftext|><|endoftext|>",
    "< |endoftext| >", "<|endoftext", "endoftext|>", "<|endoftext|>\u0338", "<|end\u200boftext|>",
    "x <|endoftext|> y <|endoftext|> z", "<|startoftext|>" * 3,
    # Long words and long texts.
    "a" * 100, "ab" * 50, "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "antidisestablishmentarianism" * 3, "x" * 60 + "." + "y" * 60, "\u00e9" * 80, "\u6f22" * 100,
    "\U0001F600" * 40, "1234567890" * 10, LONG_TEXT, LONG_TEXT.upper(), (LONG_TEXT + " ") * 3,
    "the " * 80, "a, " * 40, "thequickbrownfoxjumpsoverthelazydog" * 5,
]


def generated_sentences(count, seed=77):
    rng = random.Random(seed)
    sentences = []
    separators = [" ", " ", " ", " ", "", "  ", "\t", "\n"]
    for _ in range(count):
        parts = [caption(rng)]
        for _ in range(rng.randint(0, 3)):
            kind = rng.random()
            if kind < 0.4:
                parts.append(caption(rng))
            elif kind < 0.6:
                parts.append(rng.choice(EXTRA_WORDS))
            elif kind < 0.75:
                parts.append(str(rng.randint(0, 10 ** rng.randint(1, 6))))
            elif kind < 0.9:
                parts.append(rng.choice(PUNCTUATION))
            else:
                parts.append(rng.choice(["~", "`", "\u0416\u0443\u043a", "<|endoftext|>", "IT'S", "'ll"]))
        sentences.append("".join(part + rng.choice(separators) for part in parts).strip(" "))
    return sentences


# ---------------------------------------------------------------------------------------------
# Hugging Face


def hugging_face_tokenizer(folder, vocab):
    loaded = CLIPTokenizerFast.from_pretrained(folder)
    direct = CLIPTokenizerFast(vocab=os.path.join(folder, "vocab.json"), merges=os.path.join(folder, "merges.txt"))
    assert loaded.get_vocab() == direct.get_vocab() == vocab, "the vocabulary file was not read"
    probe = "a photo of a dog, it's 2024!"
    assert loaded(probe)["input_ids"] == direct(probe)["input_ids"]
    assert loaded.pad_token == END and loaded.pad_token_id == vocab[END]
    assert loaded.unk_token_id == vocab[END] and loaded.bos_token_id == vocab[START]
    return loaded


def batch(tokenizer, texts, **kwargs):
    encoded = tokenizer(texts, **kwargs)
    return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}


CONFIGURATIONS = {
    # Stable Diffusion 2's OpenCLIP tokenizer pads with "!".
    "pad_exclamation": {"pad_token": "!"},
    # Shaped like OpenAI's tokenizer_config.json.
    "openai_style": {
        "added_tokens_decoder": {
            "START_ID": {"content": START, "lstrip": False, "normalized": True, "rstrip": False,
                         "single_word": False, "special": True},
            "END_ID": {"content": END, "lstrip": False, "normalized": False, "rstrip": False,
                       "single_word": False, "special": True},
        },
        "bos_token": START, "eos_token": END, "pad_token": END, "unk_token": END,
        "clean_up_tokenization_spaces": False, "do_lower_case": True, "errors": "replace",
        "model_max_length": 77, "tokenizer_class": "CLIPTokenizer",
    },
}
CONFIGURATION_PROBES = ["Hello!", "wow!! it's great!", "!", "a photo <|StartOfText|> of <|EndOfText|> x",
                        "<|startoftext|>!<|endoftext|>", "<|STARTOFTEXT|>\u0338 <|startoftext|>",
                        "two dogs"]


def configuration_cases(work, vocab):
    cases = []
    for name, configuration in CONFIGURATIONS.items():
        text = json.dumps(configuration).replace("START_ID", str(vocab[START])).replace("END_ID", str(vocab[END]))
        folder = os.path.join(work, name)
        shutil.copytree(OUT, folder)
        with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as file:
            file.write(text)
        tokenizer = CLIPTokenizerFast.from_pretrained(folder)
        cases.append({"name": name, "configuration": text,
                      "padding_id": tokenizer.pad_token_id,
                      "ids": [tokenizer(probe)["input_ids"] for probe in CONFIGURATION_PROBES],
                      "batch": batch(tokenizer, CONFIGURATION_PROBES, padding=True)})
    return cases


# Tiny vocabularies written in odd ways: a probe text's ids must come out as Hugging Face's.
TINY_VOCAB = {START: 0, END: 1}
for _character in "abcdehlo!":
    TINY_VOCAB[_character] = len(TINY_VOCAB)
for _character in "abcdehlo!":
    TINY_VOCAB[_character + SUFFIX] = len(TINY_VOCAB)
for _token in ["ab", "abc</w>", "bc</w>", "he", "ll", "llo</w>", "hello</w>"]:
    TINY_VOCAB[_token] = len(TINY_VOCAB)
TINY_JSON = json.dumps(TINY_VOCAB)
TINY_MERGES = "#version: 0.2\na b\nab c</w>\nh e\nl l\nll o</w>\nhe llo</w>\n"
TINY_PROBE = "abc hello aaa bc HELLO! ~ cab"
VOCABULARY_FILES = {
    "plain": (TINY_JSON, TINY_MERGES),
    "crlf": (TINY_JSON, TINY_MERGES.replace("\n", "\r\n")),
    "no_version_line": (TINY_JSON, TINY_MERGES.split("\n", 1)[1]),
    "version_line_twice": (TINY_JSON, TINY_MERGES + "#version: 0.2\n"),
    "no_final_newline": (TINY_JSON, TINY_MERGES.rstrip("\n")),
    # A merge listed twice keeps its later rank: "a b" then ranks after "b c</w>".
    "merge_twice": (TINY_JSON, "#version: 0.2\na b\nb c</w>\nab c</w>\nh e\nl l\nll o</w>\nhe llo</w>\na b\n"),
    "rank_order": (TINY_JSON, "#version: 0.2\nb c</w>\na b\nab c</w>\nh e\nl l\nll o</w>\nhe llo</w>\n"),
    "ids_out_of_order": (json.dumps(dict(sorted(TINY_VOCAB.items(), key=lambda item: -item[1]))), TINY_MERGES),
    "escaped_json": ("{\n  " + ",\n  ".join("%s: %d" % (json.dumps(key, ensure_ascii=True).replace("<", "\\u003c"), value)
                                         for key, value in TINY_VOCAB.items()) + "\n}\n", TINY_MERGES),
    "no_merges": (TINY_JSON, "#version: 0.2\n"),
}
# (vocab.json, merges.txt, which file is wrong, Swift error kind, line for merges errors, HF refuses it)
REJECTED_VOCABULARY_FILES = {
    "blank_line": (TINY_JSON, TINY_MERGES.replace("h e\n", "h e\n\n"), "merges", "invalid_merge", 5, True),
    "blank_line_at_end": (TINY_JSON, TINY_MERGES + "\n", "merges", "invalid_merge", 8, True),
    "three_tokens": (TINY_JSON, TINY_MERGES + "a b c\n", "merges", "invalid_merge", 8, True),
    "tab_separated": (TINY_JSON, TINY_MERGES + "a\tb\n", "merges", "invalid_merge", 8, True),
    "trailing_space": (TINY_JSON, TINY_MERGES + "a b \n", "merges", "invalid_merge", 8, True),
    "unknown_token": (TINY_JSON, TINY_MERGES + "x y\n", "merges", "invalid_merge", 8, True),
    "merged_token_missing": (TINY_JSON, TINY_MERGES + "b c\n", "merges", "invalid_merge", 8, True),
    "comment_line": (TINY_JSON, TINY_MERGES + "# a comment\n", "merges", "invalid_merge", 8, True),
    "byte_order_mark": (TINY_JSON, "\ufeff" + TINY_MERGES, "merges", "invalid_merge", 1, True),
    "latin1_merges": (TINY_JSON, None, "merges", "invalid_utf8", 5, True),
    "empty_merges": (TINY_JSON, "", "merges", "invalid_vocabulary", None, False),
    "vocabulary_array": ("[1, 2]", TINY_MERGES, "vocab", "invalid_vocabulary", None, True),
    "negative_id": (TINY_JSON[:-1] + ", \"zz\": -1}", TINY_MERGES, "vocab", "invalid_vocabulary", None, True),
    "fractional_id": (TINY_JSON[:-1] + ", \"zz\": 5.5}", TINY_MERGES, "vocab", "invalid_vocabulary", None, True),
    "not_json": ("{\"a\": 1,", TINY_MERGES, "vocab", "invalid_vocabulary", None, True),
    "empty_vocabulary": ("", TINY_MERGES, "vocab", "invalid_vocabulary", None, True),
    "string_id": (TINY_JSON[:-1] + ", \"zz\": \"5\"}", TINY_MERGES, "vocab", "invalid_vocabulary", None, False),
    "shared_id": (TINY_JSON[:-1] + ", \"zz\": 3}", TINY_MERGES, "vocab", "invalid_vocabulary", None, False),
    "no_start_token": (json.dumps({key: value for key, value in TINY_VOCAB.items() if key != START}),
                       TINY_MERGES, "vocab", "invalid_vocabulary", None, False),
}


def write_tiny(folder, vocab_text, merges_text):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8", newline="") as file:
        file.write(vocab_text)
    with open(os.path.join(folder, "merges.txt"), "wb") as file:
        file.write(merges_text.encode("utf-8") if merges_text is not None
                   else TINY_MERGES.encode("utf-8").replace(b"h e\n", b"h e\ncaf\xe9 x\n"))


def vocabulary_file_cases(work):
    accepted = []
    for name, (vocab_text, merges_text) in VOCABULARY_FILES.items():
        folder = os.path.join(work, "tiny_" + name)
        write_tiny(folder, vocab_text, merges_text)
        tokenizer = CLIPTokenizerFast.from_pretrained(folder)
        assert tokenizer.get_vocab() == TINY_VOCAB
        accepted.append({"name": name, "vocab": vocab_text, "merges": merges_text, "text": TINY_PROBE,
                         "ids": tokenizer(TINY_PROBE)["input_ids"]})
    rejected = []
    for name, (vocab_text, merges_text, wrong_file, kind, line, refused) in REJECTED_VOCABULARY_FILES.items():
        folder = os.path.join(work, "rejected_" + name)
        write_tiny(folder, vocab_text, merges_text)
        try:
            CLIPTokenizerFast.from_pretrained(folder)(TINY_PROBE)
            hugging_face_refuses = False
        except Exception:  # tokenizers raises a plain Exception
            hugging_face_refuses = True
        assert hugging_face_refuses == refused, (name, hugging_face_refuses)
        with open(os.path.join(folder, "merges.txt"), "rb") as file:
            merges_bytes = file.read()
        rejected.append({"name": name, "vocab": vocab_text, "merges_hex": merges_bytes.hex(),
                         "file": wrong_file, "kind": kind, "line": line,
                         "hugging_face_refuses": hugging_face_refuses})
    return accepted, rejected


# ---------------------------------------------------------------------------------------------


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab, merges = build_vocabulary()
    write_vocabulary(OUT, vocab, merges)
    sentences = HANDWRITTEN + generated_sentences(200)
    assert len(set(sentences)) == len(sentences), "duplicate sentences"
    write_json(os.path.join(OUT, "sentences.json"), sentences, ensure_ascii=True, indent=0)

    with tempfile.TemporaryDirectory() as work:
        tokenizer = hugging_face_tokenizer(OUT, vocab)
        per_sentence = []
        for sentence in sentences:
            ids = tokenizer(sentence)["input_ids"]
            truncated = tokenizer(sentence, truncation=True, max_length=CONTEXT_LENGTH)["input_ids"]
            per_sentence.append({"ids": ids, "tokens": tokenizer.tokenize(sentence),
                                 "truncated": None if truncated == ids else truncated})

        long_sentences = [index for index, entry in enumerate(per_sentence) if len(entry["ids"]) > 12][:10]
        short_truncations = [{"sentence": index, "max_length": length,
                              "ids": tokenizer(sentences[index], truncation=True, max_length=length)["input_ids"]}
                             for index in long_sentences for length in (2, 3, 5, 10)]

        batch_indices = [0, 8, sentences.index(LONG_TEXT), sentences.index(""), sentences.index("~tilde~")]
        texts = [sentences[index] for index in batch_indices]
        batches = {
            "texts": batch_indices,
            "padded": batch(tokenizer, texts, padding=True),
            "padded_truncated": batch(tokenizer, texts, padding=True, truncation=True, max_length=CONTEXT_LENGTH),
            "padded_to_maximum_length": batch(tokenizer, texts, padding="max_length", truncation=True,
                                              max_length=CONTEXT_LENGTH),
            "padded_truncated_8": batch(tokenizer, texts, padding=True, truncation=True, max_length=8),
        }
        configurations = configuration_cases(work, vocab)
        vocabulary_files, rejected_vocabulary_files = vocabulary_file_cases(work)

    expected = {
        "versions": library_versions(transformers, tokenizers),
        "context_length": CONTEXT_LENGTH,
        "sentences": per_sentence,
        "short_truncations": short_truncations,
        "batches": batches,
        "configurations": configurations,
        "configuration_probes": CONFIGURATION_PROBES,
        "vocabulary_files": vocabulary_files,
        "rejected_vocabulary_files": rejected_vocabulary_files,
    }
    write_json(os.path.join(OUT, "expected.json"), expected, ensure_ascii=True, separators=(",", ":"))

    total = list_sizes(OUT)
    tokens = [token for entry in per_sentence for token in entry["tokens"]]
    print("%d sentences, %d tokens in the vocabulary (%d merges); %d unknown tokens, %d over %d ids"
          % (len(sentences), len(vocab), len(merges), tokens.count(END),
             sum(entry["truncated"] is not None for entry in per_sentence), CONTEXT_LENGTH))
    assert total < 600_000, "fixtures too large: %d bytes" % total


if __name__ == "__main__":
    main()
