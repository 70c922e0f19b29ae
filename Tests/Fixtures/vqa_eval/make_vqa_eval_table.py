#!/usr/bin/env python3
"""Writes vqa_eval_table.json: the official VQA v2 evaluation's verdicts on a few hundred questions.

The reference is the VQA challenge's evaluation class `VQAEval` (GT-Vision-Lab/VQA,
PythonEvaluationTools/vqaEvaluation/vqaEval.py). It is not vendored here; this script loads the
copy that the PyPI package salesforce-lavis 1.0.2 ships as lavis/common/vqa_tools/vqa_eval.py,
whose rules (punctuation list, period and comma patterns, number words, articles, contractions,
ground-truth handling, leave-one-out accuracy) are the same as the upstream file's at commit
c4e6a0e4e84b9702d99800d3393652d92b5df224 (it only adds default arguments to the constructor).

Usage:
    python make_vqa_eval_table.py                  # fetches the wheel with `pip download --no-deps`
    python make_vqa_eval_table.py --script PATH    # an already extracted vqa_eval.py

Each question goes through the class's own `evaluate()`, with minimal stand-ins for its `vqa`
(ground truth) and `vqaRes` (predictions) objects. A subclass only records what `evaluate()`
computes, without changing it:
  * `processDigitArticle` is called exactly once per question, on the prediction, as the last
    normalisation step, so its return value is the normalised prediction;
  * `setEvalQA` receives the question's accuracy before the class rounds it (to `n` decimals of a
    percentage), so the table holds the unrounded value;
  * `setAccuracy` receives the per-question lists behind the overall, per-question-type and
    per-answer-type accuracies; the table keeps their plain means (unrounded fractions) next to
    the class's own rounded percentages.
After `evaluate()` the ground-truth answers are as the class compared them (it rewrites them in
place), and the table keeps those too.
"""

import argparse
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

PACKAGE = "salesforce-lavis==1.0.2"
MEMBER = "lavis/common/vqa_tools/vqa_eval.py"
MEMBER_SHA256 = "adc1ce7aad5643bf2caf6d94e92fa030f8efe138800a4a96d9b501654ba677e6"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vqa_eval_table.json")


def fetch_script(workdir):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", PACKAGE, "-d", workdir],
                   check=True)
    wheel = next(f for f in os.listdir(workdir) if f.endswith(".whl"))
    with zipfile.ZipFile(os.path.join(workdir, wheel)) as z:
        z.extract(MEMBER, workdir)
    return os.path.join(workdir, MEMBER)


def load_vqaeval(path):
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != MEMBER_SHA256:
        sys.exit(f"{path}: sha256 {digest}, expected {MEMBER_SHA256}")
    spec = importlib.util.spec_from_file_location("official_vqa_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VQAEval, digest


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

def ten(*groups):
    """ten(("dog", 7), ("a dog", 3)) -> the listed answers with those multiplicities."""
    out = []
    for answer, count in groups:
        out += [answer] * count
    return out


def hand_written():
    c = []  # (prediction, human answers)
    add = lambda p, h: c.append((p, h))
    # case, surrounding space, newline and tab handling
    for p in ["yes", "Yes", "YES", "yes.", "yes!", "yes?", " yes ", "yes\n", "\tyes", "\nyes\t", "yes\r",
              "y e s", "yes yes", "no", "No.", "NO!", "", " ", "\n\t"]:
        add(p, ten(("yes", 10)))
    add("", ten(("", 10)))
    add("   ", ten(("", 6), ("nothing", 4)))
    add("a", ten(("", 5), ("a", 5)))
    add("the", ten(("", 10)))
    add("the the a an", ten(("", 3), ("none", 7)))
    # number words
    for p in ["two", "Two", "TWO", "2", "two.", "2.", "2.0", "one two", "none", "None", "zero", "0", "ten", "10",
              "eleven", "no one", "one hundred", "twenty"]:
        add(p, ten(("2", 4), ("0", 3), ("10", 2), ("two", 1)))
    add("two", ten(("two", 10)))          # the ground truth never goes through number words
    add("2", ten(("two", 10)))
    add("seven", ten(("7", 9), ("seven", 1)))
    # articles
    for p in ["a dog", "the dog", "an dog", "A Dog", "THE DOG", "dog", "dogs", "a  dog", "a-dog", "the.dog",
              "thedog", "dog a", "a dog and a cat", "an apple", "apple"]:
        add(p, ten(("dog", 7), ("a dog", 3)))
    add("a dog", ten(("a dog", 10)))
    add("a-b", ten(("a-b", 5), ("ab", 5)))
    add("a b", ten(("a b", 5), ("b", 5)))
    # contractions
    for p, h in [("dont", "don't"), ("don't", "don't"), ("Dont", "don't"), ("dont", "dont"), ("cant", "can't"),
                 ("wont", "won't"), ("isnt", "isn't"), ("im", "i'm"), ("Im", "im"), ("im", "im"),
                 ("ive", "i've"), ("Ive", "ive"), ("id've", "i'd've"), ("its", "it's"), ("it's", "it's"),
                 ("itll", "it'll"), ("whats", "what's"), ("thats", "that's"), ("oclock", "o'clock"),
                 ("o'clock", "o'clock"), ("somebody'd", "somebodyd"), ("somebody'd", "somebody'd"),
                 ("somebodyd've", "somebody'd've"), ("yall", "y'all"), ("yall'll", "y'all'll"),
                 ("y'allll", "y'all'll"), ("'ows'at", "'ow's'at"), ("ow's'at", "'ow's'at"),
                 ("twas", "'twas"), ("let's", "let's"), ("lets", "let's"), ("n't", "n't"), ("shes", "she's"),
                 ("she's", "she's"), ("dont know", "don't know"), ("i dont know", "i don't know"),
                 ("dont.", "don't"), ("(dont)", "don't"), ("DONT", "don't"), ("dont's", "don't")]:
        add(p, ten((h, 6), ("no", 4)))
    add("dont", ten(("dont", 10)))
    add("dont", ten(("don't", 10)))
    # digits, periods and commas
    for p in ["3.5", "3.5.", "3. 5", ".5", "5.", "5", "1.5.2", "3..5", "...", ". . .", "no. 5", "no.5", "mr. smith",
              "u.s.a.", "st. louis", "1,000", "1000", "1,000,000", "1, 000", "1 ,000", "1,000.", "1,000.5",
              "$1,000", "1,000-2,000", "3,4 (approx)", "t-shirt 1,2", "2,5", "2, 5", "2,a", "a,2", "a,b", "a, b",
              "red,white", "red, white", "red ,white", "10:30", "10.30", "10. 30", "a<=1.b", "<=.5", "3.5%",
              "1/2", "1 / 2", "1/2.", "3-4", "3 - 4", "-5", "+5", "5!", "(5)", "[5]", "{5}", "5?"]:
        add(p, ten(("3.5", 2), ("1000", 2), ("1,000", 1), ("5", 2), ("no 5", 1), ("red white", 2)))
    add("1,000", ten(("1,000", 10)))       # identical ground truth is left as it is
    add("1,000", ten(("1,000", 9), ("1000", 1)))
    add("1000", ten(("1,000", 9), ("1000", 1)))
    add("yes", ten(("yes.", 10)))
    add("yes.", ten(("yes.", 10)))
    add("yes", ten(("yes.", 9), ("yes", 1)))
    add("yes", ten(("yes!", 5), ("yes?", 5)))
    add("yes", ten(("Yes", 8), ("yes", 2)))
    add("yes", ten((" yes", 9), ("no", 1)))
    add("yes", ten(("yes ", 5), ("yes", 5)))
    add("t shirt", ten(("t-shirt", 6), ("t shirt", 4)))
    add("t-shirt", ten(("t-shirt", 10)))
    add("t-shirt", ten(("t-shirt", 6), ("tshirt", 4)))
    add("tshirt", ten(("t-shirt", 6), ("1,0", 4)))
    add("black and white", ten(("black & white", 3), ("black and white", 3), ("black-and-white", 4)))
    add("black-and-white", ten(("black & white", 3), ("black and white", 3), ("black-and-white", 4)))
    # each punctuation mark: alone, inside a word, next to a space, and with a digit-comma-digit elsewhere
    for mark in [";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",",
                 "?", "!", ":", "'", "&", "#", "*", "~", "^", "|", "%", "$"]:
        for p in [f"a{mark}b", f"a {mark}b", f"a{mark} b", f"{mark}", f"{mark}yes{mark}", f"a{mark}b 1,2"]:
            add(p, ten(("a b", 3), ("ab", 3), ("yes", 2), ("b", 2)))
    # the substitution count quirk: at most 32 periods (not before a digit) are removed
    for p in ["." * 31, "." * 32, "." * 33, "." * 40, "a." * 35, "1." * 34, "1.2." * 20, ". " * 36 + "yes.",
              "." * 32 + "5" + "." * 3, "." * 33 + "x"]:
        add(p, ten(("", 4), ("yes", 3), ("a", 3)))
    # exact counts 0..10 of the matching answer
    for k in range(11):
        add("red", ten(("red", k), ("blue", 10 - k)))
    # other numbers of human answers (the class divides by however many there are)
    add("red", ["red"])
    add("blue", ["red"])
    add("red", ["red", "red", "blue"])
    add("red", ["red", "blue", "green", "red", "red"])
    add("red", ["Red.", "red", "red"])
    # unicode
    for p in ["café", "Café", "CAFÉ", "cafe\u0301", "CAFE\u0301", "ΟΔΟΣ", "ΣΑ", "ΑΣ ΒΣ.", "Σ", "ΑΣ\u0301", "ΑΣ'Α",
              "İstanbul", "STRASSE", "Straße", "ǅemal", "ﬁsh", "Ⅻ", "１２", "１,２", "１, ２", "٣.٥", "٣.", "3.٥",
              "\u00a0yes\u00a0", "\u3000yes", "yes\u200b", "\x1cyes\x1f", "yes\u2028no", "yes\x0bno", "yes\x85",
              "\u2003yes\u2009no\u202f", "🐶", "dog 🐶", "the 🐶.", "e\u0301.", "naïve", "ÀÉÎÕÜ", "ŉ", "ΐ",
              "\u212a", "\u037e", "yes\u037e", "日本", "日本。", "ｙｅｓ", "\u0130", "I\u0307", "ﬀ", "Ǉ"]:
        add(p, ten(("café", 3), ("cafe\u0301", 3), ("yes", 2), ("οδος", 1), ("οδoς", 1)))
    add("café", ten(("café", 10)))
    add("cafe\u0301", ten(("café", 10)))
    add("café", ten(("café-x", 5), ("cafe\u0301-x", 5)))
    add("café x", ten(("café-x", 5), ("cafe\u0301-x", 5)))
    add("café x", ten(("café-x", 10)))
    add("οδος", ten(("οδος", 10)))
    add("ΟΔΟΣ", ten(("οδος", 5), ("οδoς", 5)))
    return c


POOL = ["yes", "no", "Yes", "yes.", "No", "2", "two", "Two", "3", "three", "0", "none", "1", "one", "dog", "a dog",
        "the dog", "dogs", "red", "Red", "red and white", "black & white", "black-and-white", "black and white",
        "t-shirt", "t shirt", "1,000", "1000", "3.5", "3.50", "don't", "dont", "it's", "its", "i'm", "im",
        "o'clock", "oclock", "left", "right", "man", "the man", "woman", "frisbee", "Frisbee!", "tennis",
        "baseball", "umbrella", "10", "ten", "1:30", "12:00", "green", "blue/white", "white/blue", "n't", "cafe",
        "café", "(yes)", "surfing", "skateboarding", "pizza", "snow", "mr. smith", "st. louis", "nothing", "",
        "a", "yes!", "maybe", "not sure", "can't tell", "cant tell", "2,5", "2.5", "an apple", "apples",
        "Red Sox", "u.s.", "usa", "50%", "$5", "5 dollars", "ok", "OK", "okay"]

MUTATIONS = [
    lambda s: s,
    lambda s: s,
    lambda s: s,
    lambda s: s.upper(),
    lambda s: s.capitalize(),
    lambda s: s + ".",
    lambda s: s + "!",
    lambda s: s + "?",
    lambda s: "a " + s,
    lambda s: "the " + s,
    lambda s: " " + s + " ",
    lambda s: s + "\n",
    lambda s: s.replace(" ", "-"),
    lambda s: s.replace(" ", "  "),
    lambda s: "(" + s + ")",
    lambda s: s + ", " + s,
]

QUESTION_TYPES = ["is the", "what color is the", "how many", "what is the", "none of the above", "are there",
                  "what sport is", "what time"]
ANSWER_TYPES = ["yes/no", "number", "other"]


def randomised(rng, count):
    cases = []
    for _ in range(count):
        distinct = rng.sample(POOL, rng.choice([1, 1, 2, 2, 3, 3, 4, 5]))
        weights = [rng.random() + 0.05 for _ in distinct]
        humans = [distinct[0]] + rng.choices(distinct, weights=weights, k=9)
        rng.shuffle(humans)
        source = rng.choice(humans) if rng.random() < 0.5 else rng.choice(POOL)
        prediction = rng.choice(MUTATIONS)(source)
        cases.append((prediction, humans))
    return cases


# ---------------------------------------------------------------------------------------------
# Running the official class
# ---------------------------------------------------------------------------------------------

class FakeVQA:
    """What `VQAEval` reads from its `vqa` and `vqaRes` objects: `qa` and `getQuesIds()`."""

    def __init__(self, qa):
        self.qa = qa

    def getQuesIds(self):
        return list(self.qa.keys())


def run(VQAEval, cases, rng):
    gts, res, meta = {}, {}, {}
    for i, (prediction, humans) in enumerate(cases):
        qid = 1000 + i
        qtype, atype = rng.choice(QUESTION_TYPES), rng.choice(ANSWER_TYPES)
        # As in the VQA v2 annotation files: every human answer carries its own answer_id, so the
        # class's `item != gtAnsDatum` leaves exactly one human out.
        gts[qid] = {"question_id": qid, "question_type": qtype, "answer_type": atype,
                    "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": j + 1}
                                for j, a in enumerate(humans)]}
        res[qid] = {"question_id": qid, "answer": prediction}
        meta[qid] = (prediction, list(humans), qtype, atype)

    class Recording(VQAEval):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.normalised = []
            self.unrounded_qa = {}
            self.unrounded = None

        def processDigitArticle(self, inText):
            out = super().processDigitArticle(inText)
            self.normalised.append(out)
            return out

        def setEvalQA(self, quesId, acc):
            self.unrounded_qa[quesId] = acc
            super().setEvalQA(quesId, acc)

        def setAccuracy(self, accQA, accQuesType, accAnsType):
            mean = lambda xs: float(sum(xs)) / len(xs)
            self.unrounded = {
                "overall": mean(accQA),
                "per_question_type": {k: mean(v) for k, v in accQuesType.items()},
                "per_answer_type": {k: mean(v) for k, v in accAnsType.items()},
            }
            super().setAccuracy(accQA, accQuesType, accAnsType)

    ev = Recording(FakeVQA(gts), FakeVQA(res), n=2)
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
    qids = list(gts.keys())
    assert len(ev.normalised) == len(qids)
    rows = []
    for qid, normalised in zip(qids, ev.normalised):
        prediction, humans, qtype, atype = meta[qid]
        rows.append({
            "id": qid,
            "prediction": prediction,
            "human_answers": humans,
            "human_answers_as_compared": [a["answer"] for a in gts[qid]["answers"]],
            "normalized_prediction": normalised,
            "accuracy": ev.unrounded_qa[qid],
            "accuracy_rounded_percent": ev.evalQA[qid],
            "question_type": qtype,
            "answer_type": atype,
        })
    aggregate = dict(ev.unrounded)
    aggregate["script_rounded_percent"] = ev.accuracy
    return rows, aggregate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--script", help="an extracted lavis/common/vqa_tools/vqa_eval.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        path = args.script or fetch_script(work)
        VQAEval, digest = load_vqaeval(path)
    rng = random.Random(20240611)
    cases = hand_written()
    handwritten_count = len(cases)
    cases += randomised(rng, 300)
    rows, aggregate = run(VQAEval, cases, rng)
    fresh = VQAEval(FakeVQA({}), FakeVQA({}))  # evaluate() grows manualMap through setdefault
    tables = {"punctuation": fresh.punct, "number_words": fresh.manualMap, "articles": fresh.articles,
              "contractions": fresh.contractions, "period_pattern": fresh.periodStrip.pattern,
              "comma_pattern": fresh.commaStrip.pattern}
    header = {
        "reference": {
            "upstream": "GT-Vision-Lab/VQA PythonEvaluationTools/vqaEvaluation/vqaEval.py "
                        "(commit c4e6a0e4e84b9702d99800d3393652d92b5df224)",
            "file_run": f"{PACKAGE} {MEMBER}",
            "file_sha256": digest,
        },
        "generator": "make_vqa_eval_table.py",
        "python": sys.version.split()[0],
        "python_unicode_version": unicodedata.unidata_version,
        "hand_written_rows": handwritten_count,
        "rows_count": len(rows),
        "aggregate": aggregate,
        "script_tables": tables,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("{\n")
        for key, value in header.items():
            f.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=True, sort_keys=True)},\n")
        f.write('  "rows": [\n')
        f.write(",\n".join("    " + json.dumps(r, ensure_ascii=True) for r in rows))
        f.write("\n  ]\n}\n")
    print(f"wrote {len(rows)} rows ({handwritten_count} hand-written) to {OUT}")


if __name__ == "__main__":
    main()
