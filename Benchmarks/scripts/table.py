"""Prints reports written by `make bench` (.build/bench/latest.json by default) as the markdown
tables used in Docs/Benchmarks.md.

    python3 Benchmarks/scripts/table.py [report.json]          one run: every column
    python3 Benchmarks/scripts/table.py run1.json run2.json …  several runs: each row's ratios
                                                               side by side, one column per run

Times are each run's medians over its rounds and ratios the median of the per-round ratios,
with the range over the rounds in brackets (see Docs/Benchmarks.md, "How to reproduce")."""
import json
import sys


def duration(seconds):
    if seconds is None:
        return ""
    if seconds < 1e-6:
        return "%.0f ns" % (seconds * 1e9)
    if seconds < 1e-3:
        return "%.2f µs" % (seconds * 1e6)
    return "%.3f ms" % (seconds * 1e3)


def ratio(record, key):
    value = record.get(key)
    if value is None:
        return ""
    spread = record.get(key + "_range")
    if spread and len(spread) == 2 and spread[0] != spread[1]:
        return "%.3f (%.3f–%.3f)" % (value, spread[0], spread[1])
    return "%.3f" % value


def local_reference(record):
    return record.get("reference") if record.get("reference") != "pytorch" else None


def one_run(report):
    print("%s; PyTorch %s; ONNX Runtime %s; %s" % (report["blas"], report.get("pytorch"), report.get("onnxruntime"),
                                                  report["date"]))
    print()
    print("| workload | FusionKit | local reference | FusionKit / reference | FusionKit / PyTorch "
          "| FusionKit / ONNX Runtime | own products alone / row | GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in report["records"]:
        local = local_reference(r)
        floor = "%.3f" % (r["floor_seconds"] / r["fusionkit_seconds"]) if r.get("floor_seconds") else ""
        gflops = "%.1f" % r["gflops"] if r.get("gflops") else ""
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], duration(r["fusionkit_seconds"]), local or "", ratio(r, "ratio") if local else "",
            ratio(r, "pytorch_ratio"), ratio(r, "onnxruntime_ratio"), floor, gflops))
    memory = report.get("memory") or []
    if memory:
        print()
        print("| peak memory, 3 training steps on 64 images | FusionKit / PyTorch |")
        print("|---|---|")
        for row in memory:
            print("| %s | %s |" % (row["model"], "%.3f" % row["ratio"] if row.get("ratio") is not None else ""))


def several_runs(reports):
    """Per row: FusionKit / PyTorch and / ONNX Runtime (or / the local reference) of each run."""
    names = []
    for report in reports:
        for record in report["records"]:
            if record["name"] not in names:
                names.append(record["name"])
    dates = [report["date"][11:16] + "Z" for report in reports]
    columns = []
    for key, label in (("pytorch_ratio", "PyTorch"), ("onnxruntime_ratio", "ONNX Runtime")):
        columns += [(key, "/ %s %s" % (label, date), index) for index, date in enumerate(dates)]
    columns += [("floor", "products / row %s" % date, index) for index, date in enumerate(dates)]
    print("| workload | " + " | ".join(label for _, label, _ in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name in names:
        cells = []
        for key, _, index in columns:
            record = next((r for r in reports[index]["records"] if r["name"] == name), None)
            if record is None:
                cells.append("")
            elif key == "floor":
                cells.append("%.3f" % (record["floor_seconds"] / record["fusionkit_seconds"])
                             if record.get("floor_seconds") else "")
            else:
                cells.append(ratio(record, key))
        if any(cells):
            print("| %s | %s |" % (name, " | ".join(cells)))
    print()
    print("| peak memory / PyTorch | " + " | ".join(dates) + " |")
    print("|---|" + "---|" * len(dates))
    models = []
    for report in reports:
        for row in report.get("memory") or []:
            if row["model"] not in models:
                models.append(row["model"])
    for model in models:
        cells = []
        for report in reports:
            row = next((m for m in report.get("memory") or [] if m["model"] == model), None)
            cells.append("%.3f" % row["ratio"] if row and row.get("ratio") is not None else "")
        print("| %s | %s |" % (model, " | ".join(cells)))


def main():
    paths = sys.argv[1:] or [".build/bench/latest.json"]
    reports = [json.load(open(path)) for path in paths]
    if len(reports) == 1:
        one_run(reports[0])
    else:
        several_runs(reports)


main()
