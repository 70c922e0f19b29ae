"""Writes the small data sets in Tests/Fixtures/datasets/ that the layout readers are tested on:
one folder per layout (CLEVR v1.0, VQA v2, JSON lines), each with a few tiny images (made with
Pillow from a fixed seed) and question files in the layout's exact structure.

Run from the repository root: .venv-peer/bin/python Tests/Fixtures/make_dataset_fixtures.py
"""
import json
import os
import random

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "datasets")
rng = random.Random(7)


def picture(path, size=(16, 12), fmt="PNG"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image = Image.new("RGB", size)
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(size[0] * size[1])])
    image.save(path, fmt, quality=90) if fmt == "JPEG" else image.save(path, fmt)


def clevr():
    root = os.path.join(ROOT, "clevr")
    for split, count in [("train", 3), ("val", 2), ("test", 1)]:
        questions = []
        for image in range(count):
            name = f"CLEVR_{split}_{image:06d}.png"
            picture(os.path.join(root, "images", split, name))
            for q in range(2):
                entry = {"image_index": image, "image_filename": name, "split": split,
                         "question": f"How many things are {['red', 'big'][q]}?",
                         "question_family_index": q + 3, "question_index": len(questions),
                         "program": [{"function": "scene", "inputs": [], "value_inputs": []}]}
                if split != "test":
                    entry["answer"] = ["yes", "2", "cube"][(image + q) % 3]
                questions.append(entry)
        os.makedirs(os.path.join(root, "questions"), exist_ok=True)
        with open(os.path.join(root, "questions", f"CLEVR_{split}_questions.json"), "w") as f:
            # The "questions" key after "info", a nested array before it: as CLEVR's files.
            json.dump({"info": {"split": split, "license": "Creative Commons", "version": "1.0",
                                "date": "2/14/2017", "nested": [[1, 2], {"questions": "not this"}]},
                       "questions": questions}, f)


def vqa_v2():
    root = os.path.join(ROOT, "vqa-v2")
    for split, subtype, image_ids in [("train", "train2014", [9, 24]), ("val", "val2014", [42]),
                                      ("test", "test2015", [1])]:
        questions, annotations = [], []
        for image_id in image_ids:
            picture(os.path.join(root, subtype, f"COCO_{subtype}_{image_id:012d}.jpg"), fmt="JPEG")
            for q, (text, humans, kind) in enumerate([
                ("What color is the bus?", ["red"] * 3 + ["Red"] * 2 + ["dark red"] * 4 + ["maroon"], "other"),
                ("Is it raining?", ["no"] * 9 + ["yes"], "yes/no"),
                ("How many people are there?", ["two", "2", "2", "3", "2 ", "two", "3", "three", "2", "4"], "number"),
            ][: 2 + (image_id % 2)]):
                question_id = image_id * 1000 + q
                questions.append({"image_id": image_id, "question": text, "question_id": question_id})
                annotations.append({"question_type": text.split(" ")[0].lower(), "multiple_choice_answer": humans[0],
                                    "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": i + 1}
                                                for i, a in enumerate(humans)],
                                    "image_id": image_id, "answer_type": kind, "question_id": question_id})
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, f"v2_OpenEnded_mscoco_{subtype}_questions.json"), "w") as f:
            json.dump({"info": {"description": "fixture"}, "task_type": "Open-Ended", "data_type": "mscoco",
                       "license": {}, "data_subtype": subtype, "questions": questions}, f)
        if split != "test":
            with open(os.path.join(root, f"v2_mscoco_{subtype}_annotations.json"), "w") as f:
                json.dump({"info": {}, "license": {}, "data_subtype": subtype, "annotations": annotations,
                           "data_type": "mscoco"}, f)


def json_lines():
    root = os.path.join(ROOT, "jsonl")
    picture(os.path.join(root, "photos", "kitchen.png"))
    picture(os.path.join(root, "photos", "street.jpg"), fmt="JPEG")
    rows = {
        "train": [{"image": "photos/kitchen.png", "question": "What is on the table?", "answer": "cup", "type": "object"},
                  {"image": "photos/street.jpg", "question": "Is the light green?", "answer": "yes", "type": "yes/no"},
                  {"image": "photos/kitchen.png", "question": "What colour is the cup?", "answer": "Blue"}],
        "val": [{"image": "photos/street.jpg", "question": "How many cars?", "answers": ["2", "two", "2"]}],
    }
    for split, lines in rows.items():
        with open(os.path.join(root, f"{split}.jsonl"), "w") as f:
            for index, row in enumerate(lines):
                f.write(json.dumps(row) + "\n")
                if index == 0:
                    f.write("\n")  # a blank line, skipped


def captions():
    """Image-caption pairs for the retrieval example of Docs/Architecture.md."""
    root = os.path.join(ROOT, "captions")
    rows = []
    for index, caption in enumerate(["a red square", "two blue circles", "a green square beside a circle"]):
        name = f"photos/{index}.png" if index != 1 else f"photos/{index}.jpg"
        picture(os.path.join(root, name), size=(40 + 8 * index, 30), fmt="JPEG" if name.endswith(".jpg") else "PNG")
        rows.append({"image": name, "caption": caption})
    with open(os.path.join(root, "captions.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    clevr()
    vqa_v2()
    json_lines()
    captions()
