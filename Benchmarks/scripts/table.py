"""Prints .build/bench/latest.json (written by `make bench`) as the markdown table used in
Docs/Benchmarks.md. Usage: python3 Benchmarks/scripts/table.py [path]"""
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


def main():
    report = json.load(open(sys.argv[1] if len(sys.argv) > 1 else ".build/bench/latest.json"))
    print("%s; PyTorch %s; %s" % (report["blas"], report.get("pytorch"), report["date"]))
    print()
    print("| workload | FusionKit | throughput | local reference | its time | FusionKit / reference | PyTorch | FusionKit / PyTorch |")
    print("|---|---|---|---|---|---|---|---|")
    for r in report["records"]:
        local = r.get("reference") if r.get("reference") != "pytorch" else None
        throughput = "%.1f %s" % (r["throughput"], r["throughput_unit"]) if r.get("throughput") else ""
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], duration(r["fusionkit_seconds"]), throughput, local or "",
            duration(r.get("reference_seconds")) if local else "", "%.3f" % r["ratio"] if local else "",
            duration(r.get("pytorch_seconds")), "%.3f" % r["pytorch_ratio"] if r.get("pytorch_ratio") else ""))


main()
