#!/usr/bin/env python3
"""Generate the PNG and JPEG fixtures of the image decoding tests (Tests/DataTests/ImageDecodingTests.swift).

Usage (from the repository root, with a Python that has numpy, Pillow, torch, torchvision and safetensors):

    /path/to/venv/bin/python Tests/Fixtures/make_image_fixtures.py

Writes into Tests/Fixtures/images/:

* `png_*.png`: every PNG colour type and bit depth (gray 1/2/4/8/16, gray + alpha 8/16, RGB 8/16,
  RGBA 8/16, palette 1/2/4/8 with and without tRNS, gray and RGB with tRNS), several of them also
  Adam7-interlaced. They are written by this script's own PNG encoder (below), because Pillow
  cannot write 2- and 4-bit gray, 16-bit colour or interlaced files; rows cycle through all five
  filter types so the decoder's unfiltering is exercised.
* `jpeg_*.jpg`: written by Pillow: baseline RGB at 4:4:4, 4:2:2 and 4:2:0 chroma subsampling,
  progressive RGB, baseline and progressive grayscale, one with restart markers, and a CMYK file
  (which the decoder refuses).
* `jpeg_many_scans.jpg`: an 8 × 8 progressive JPEG of a flat colour in 1135 valid scans (one DC
  scan, then for each component and each AC coefficient a first scan with Al = 5 and five
  refinements), written byte by byte below; the decoder refuses more than 1000 scans.
* `reference.safetensors`: for each image file `<name>` (without extension) the pixels the
  Python libraries decode, as height × width × channels arrays:
    - `<name>.pillow`: `np.array(Image.open(f))` in Pillow's mode for the file, uint8 or uint16
      (16-bit colour comes out as 8-bit high bytes, and 16-bit gray + alpha as "RGBA").
      Two modes are converted first because their arrays are not pixels: "1" (1-bit gray, a bool
      array) becomes "L" (0 or 255), and "P" (palette indices) becomes "RGBA" when the file has
      transparency and "RGB" otherwise.
    - `<name>.pillow_rgb`: `np.array(Image.open(f).convert("RGB"))`, uint8.
    - `<name>.torchvision` (16-bit PNGs only): `torchvision.io.decode_image(f)` (uint16, which
      Pillow cannot give for colour: it keeps each 16-bit sample's high byte).
  The metadata maps each name to Pillow's mode ("L", "I;16", "LA", "RGB", "RGBA", "1", "P", …).

Every image's content comes from numpy's default_rng seeded by the CRC32 of its name, so adding a
case leaves the others unchanged. The script checks that Pillow (and torchvision, for 16-bit) give
back exactly the samples it encoded into each PNG, and fails if the fixtures add up to 1 MB or
more. With the same library versions, running it again gives byte-identical files.

Made with numpy 2.4.6, Pillow 13.0.0 (bundling libjpeg-turbo 3.2.0), torch 2.15.0, torchvision 0.29.2.
"""

import json
import os
import struct
import warnings
import zlib

import numpy as np
import torch
import torchvision.io
from PIL import Image, features
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "images")

GRAY, RGB, PALETTE, GRAY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GRAY: 1, RGB: 3, PALETTE: 1, GRAY_ALPHA: 2, RGBA: 4}

# Adam7: (first column, first row, column step, row step) of the seven passes.
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


# ---------------------------------------------------------------------------------------------
# A small PNG encoder: any colour type and bit depth, Adam7, all five row filters.

def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def pack_row(row, depth):
    """One row of samples (1-D, already interleaved) as PNG bytes: big-endian, MSB-first packing."""
    if depth == 16:
        return row.astype(">u2").tobytes()
    if depth == 8:
        return row.astype(np.uint8).tobytes()
    per_byte = 8 // depth
    padded = np.zeros(-(-len(row) // per_byte) * per_byte, dtype=np.uint8)
    padded[: len(row)] = row
    packed = np.zeros(len(padded) // per_byte, dtype=np.uint8)
    for i in range(per_byte):
        packed |= (padded[i::per_byte] << (8 - depth * (i + 1))).astype(np.uint8)
    return packed.tobytes()


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows, bpp, first_filter):
    """Filters packed rows, row i with filter type (first_filter + i) % 5."""
    out = bytearray()
    previous = bytes(len(rows[0]))
    for i, row in enumerate(rows):
        kind = (first_filter + i) % 5
        filtered = bytearray(len(row))
        for x in range(len(row)):
            a = row[x - bpp] if x >= bpp else 0
            b = previous[x]
            c = previous[x - bpp] if x >= bpp else 0
            predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            filtered[x] = (row[x] - predictor) & 0xFF
        out += bytes([kind]) + filtered
        previous = row
    return bytes(out)


def encode_png(samples, color_type, depth, palette=None, trns=None, interlace=False):
    """`samples`: height × width × channels (palette: indices) of unsigned integers below 2^depth."""
    height, width, channels = samples.shape
    assert channels == CHANNELS[color_type]
    bpp = max(1, channels * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = b""
    for n, (x0, y0, dx, dy) in enumerate(passes):
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = [pack_row(r.reshape(-1), depth) for r in sub]
        raw += filter_rows(rows, bpp, first_filter=n)
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        data += chunk(b"PLTE", np.asarray(palette, dtype=np.uint8).tobytes())
    if trns is not None:
        data += chunk(b"tRNS", trns)
    compressed = zlib.compress(raw, 9)
    # Two IDAT chunks, so the decoder has to join them.
    half = len(compressed) // 2
    data += chunk(b"IDAT", compressed[:half]) + chunk(b"IDAT", compressed[half:])
    data += chunk(b"IEND", b"")
    return data


# ---------------------------------------------------------------------------------------------
# Image content: smooth gradients with noise, so every filter and every sample value range is used.

def content(name, height, width, channels, maximum):
    rng = rng_for(name)
    y, x = np.mgrid[0:height, 0:width]
    planes = []
    for c in range(channels):
        wave = 0.5 + 0.5 * np.sin(x * (0.3 + 0.1 * c) + y * (0.2 - 0.05 * c) + c)
        noise = rng.random((height, width))
        planes.append(np.clip(0.75 * wave + 0.25 * noise, 0, 1))
    values = np.rint(np.stack(planes, axis=-1) * maximum)
    # The extremes occur somewhere.
    values.reshape(-1, channels)[0] = 0
    values.reshape(-1, channels)[-1] = maximum
    return values.astype(np.uint16 if maximum > 255 else np.uint8)


PNG_CASES = [
    # name, (height, width), colour type, bit depth, options
    ("png_gray1", (9, 13), GRAY, 1, {}),
    ("png_gray2", (9, 13), GRAY, 2, {}),
    ("png_gray4", (30, 40), GRAY, 4, {}),
    ("png_gray8", (30, 40), GRAY, 8, {}),
    ("png_gray16", (9, 13), GRAY, 16, {}),
    ("png_gray8_trns", (9, 13), GRAY, 8, {"trns": True}),
    ("png_graya8", (30, 40), GRAY_ALPHA, 8, {}),
    ("png_graya16", (9, 13), GRAY_ALPHA, 16, {}),
    ("png_rgb8", (30, 40), RGB, 8, {}),
    ("png_rgb16", (9, 13), RGB, 16, {}),
    ("png_rgb8_trns", (9, 13), RGB, 8, {"trns": True}),
    ("png_rgba8", (9, 13), RGBA, 8, {}),
    ("png_rgba16", (30, 40), RGBA, 16, {}),
    ("png_palette8", (30, 40), PALETTE, 8, {"colors": 200}),
    ("png_palette4_trns", (9, 13), PALETTE, 4, {"colors": 16, "alphas": 5}),
    ("png_palette2", (9, 13), PALETTE, 2, {"colors": 3}),
    ("png_palette1_trns", (30, 40), PALETTE, 1, {"colors": 2, "alphas": 1}),
    ("png_gray1_interlaced", (9, 13), GRAY, 1, {"interlace": True}),
    ("png_gray16_interlaced", (30, 40), GRAY, 16, {"interlace": True}),
    ("png_graya8_interlaced", (9, 13), GRAY_ALPHA, 8, {"interlace": True}),
    ("png_rgb8_interlaced", (30, 40), RGB, 8, {"interlace": True}),
    ("png_rgb8_interlaced_tiny", (2, 3), RGB, 8, {"interlace": True}),
    ("png_rgba16_interlaced", (9, 13), RGBA, 16, {"interlace": True}),
    ("png_palette4_trns_interlaced", (30, 40), PALETTE, 4, {"colors": 11, "alphas": 11, "interlace": True}),
]


def make_png(name, shape, color_type, depth, options):
    height, width = shape
    palette = trns = None
    if color_type == PALETTE:
        colors = options["colors"]
        rng = rng_for(name + ".palette")
        palette = rng.integers(0, 256, size=(colors, 3), dtype=np.uint8)
        samples = content(name, height, width, 1, colors - 1)
        if "alphas" in options:
            trns = rng.integers(0, 256, size=options["alphas"], dtype=np.uint8).tobytes()
        source = palette[samples[..., 0]]
        if trns is not None:
            alpha = np.full(colors, 255, dtype=np.uint8)
            alpha[: len(trns)] = np.frombuffer(trns, dtype=np.uint8)
            source = np.concatenate([source, alpha[samples[..., 0]][..., None]], axis=-1)
    else:
        samples = content(name, height, width, CHANNELS[color_type], (1 << depth) - 1)
        if options.get("trns"):
            # Mark the colour of pixel (1, 1) transparent (tRNS holds 16-bit values).
            trns = struct.pack(">" + "H" * CHANNELS[color_type], *[int(v) for v in samples[1, 1]])
        source = samples
        if depth < 8:
            source = (samples.astype(np.uint16) * (255 // ((1 << depth) - 1))).astype(np.uint8)
    data = encode_png(samples, color_type, depth, palette, trns, options.get("interlace", False))
    return data, source


# ---------------------------------------------------------------------------------------------
# A progressive JPEG of 1135 scans, byte by byte. The image is 8 × 8 and flat (every coefficient
# 0), so each scan's entropy-coded data is a few Huffman codes: one DC table and one AC table
# with a single 1-bit code each (DC difference category 0, AC end-of-band), padded with 1 bits.

def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def many_scans_jpeg(point_transform=5):
    data = b"\xff\xd8"
    data += segment(0xDB, bytes([0x00]) + bytes([1] * 64))                       # DQT 0: all ones
    components = bytes([1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])
    data += segment(0xC2, bytes([8]) + struct.pack(">HH", 8, 8) + bytes([3]) + components)  # SOF2
    one_code = bytes([1] + [0] * 15)                                            # one code of length 1
    data += segment(0xC4, bytes([0x00]) + one_code + bytes([0x00])              # DC table 0: symbol 0
                    + bytes([0x10]) + one_code + bytes([0x00]))                 # AC table 0: EOB
    scans = 0
    # DC first scan of all three components, Al = 0: three "0" codes, then 1-bit padding.
    data += segment(0xDA, bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0x00])) + bytes([0b00011111])
    scans += 1
    for component in (1, 2, 3):
        for k in range(1, 64):
            # First scan of coefficient k with Al = point_transform, then refinements down to 0.
            for ah, al in [(0, point_transform)] + [(a, a - 1) for a in range(point_transform, 0, -1)]:
                header = bytes([1, component, 0x00, k, k, (ah << 4) | al])
                data += segment(0xDA, header) + bytes([0b01111111])               # EOB, padding
                scans += 1
    data += b"\xff\xd9"
    return data, scans


# ---------------------------------------------------------------------------------------------

def pillow_arrays(path):
    with Image.open(path) as image:
        mode = image.mode
        if mode == "1":
            native = image.convert("L")
        elif mode == "P":
            native = image.convert("RGBA" if "transparency" in image.info else "RGB")
        else:
            native = image
        pixels = np.array(native)
        rgb = np.array(image.convert("RGB"))
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    return mode, pixels, rgb


def main():
    # convert("RGB") of a palette image with tRNS drops the alpha, as the reference means it to.
    warnings.filterwarnings("ignore", "Palette images with Transparency")
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):   # only this script's own files
        if old.startswith(("png_", "jpeg_")) or old == "reference.safetensors":
            os.remove(os.path.join(OUT, old))
    tensors, modes = {}, {}

    for name, shape, color_type, depth, options in PNG_CASES:
        data, source = make_png(name, shape, color_type, depth, options)
        path = os.path.join(OUT, name + ".png")
        with open(path, "wb") as f:
            f.write(data)
        mode, pixels, rgb = pillow_arrays(path)
        if source.ndim == 2:
            source = source[..., None]
        if depth == 16:
            decoded = torchvision.io.decode_image(path).permute(1, 2, 0).contiguous()
            decoded = decoded.view(torch.int16).numpy().view(np.uint16)
            assert np.array_equal(decoded, source), name
            tensors[name + ".torchvision"] = decoded
            # Pillow keeps 16-bit gray ("I;16") and only the high byte of 16-bit colour; it opens
            # 16-bit gray + alpha as "RGBA", the gray repeated.
            expected = source if mode == "I;16" else (source >> 8).astype(np.uint8)
            if mode == "RGBA" and source.shape[-1] == 2:
                expected = expected[..., [0, 0, 0, 1]]
            assert np.array_equal(pixels, expected), name
        else:
            assert np.array_equal(pixels, source), name
        tensors[name + ".pillow"] = pixels
        tensors[name + ".pillow_rgb"] = rgb
        modes[name] = mode

    jpeg_cases = [
        ("jpeg_rgb_444", (30, 40), "RGB", {"quality": 90, "subsampling": 0}),
        ("jpeg_rgb_422", (9, 13), "RGB", {"quality": 85, "subsampling": 1}),
        ("jpeg_rgb_420", (30, 40), "RGB", {"quality": 75, "subsampling": 2}),
        ("jpeg_rgb_420_odd", (9, 13), "RGB", {"quality": 80, "subsampling": 2}),
        ("jpeg_rgb_progressive", (30, 40), "RGB", {"quality": 85, "subsampling": 2, "progressive": True}),
        ("jpeg_rgb_progressive_444", (9, 13), "RGB", {"quality": 95, "subsampling": 0, "progressive": True}),
        ("jpeg_rgb_restart", (30, 40), "RGB", {"quality": 80, "subsampling": 2, "restart_marker_rows": 1}),
        ("jpeg_gray", (30, 40), "L", {"quality": 85}),
        ("jpeg_gray_progressive", (9, 13), "L", {"quality": 90, "progressive": True}),
        ("jpeg_cmyk", (9, 13), "CMYK", {"quality": 90}),
    ]
    for name, (height, width), mode, options in jpeg_cases:
        channels = {"RGB": 3, "L": 1, "CMYK": 4}[mode]
        pixels = content(name, height, width, channels, 255)
        image = Image.fromarray(pixels[..., 0] if channels == 1 else pixels, mode)
        path = os.path.join(OUT, name + ".jpg")
        image.save(path, "JPEG", **options)
        if mode == "CMYK":
            continue   # refused by the decoder under test; no reference pixels
        opened_mode, decoded, rgb = pillow_arrays(path)
        assert opened_mode == mode, name
        tensors[name + ".pillow"] = decoded
        tensors[name + ".pillow_rgb"] = rgb
        modes[name] = opened_mode

    data, scans = many_scans_jpeg()
    assert scans == 1135
    with open(os.path.join(OUT, "jpeg_many_scans.jpg"), "wb") as f:
        f.write(data)
    with Image.open(os.path.join(OUT, "jpeg_many_scans.jpg")) as image:
        assert np.array_equal(np.array(image.convert("RGB")), np.full((8, 8, 3), 128, np.uint8))

    metadata = {"modes": json.dumps(modes, sort_keys=True),
                "pillow": Image.__version__,
                "libjpeg_turbo": features.version("libjpeg_turbo") or "unknown",
                "torchvision": torchvision.__version__}
    reference = os.path.join(OUT, "reference.safetensors")
    save_file({k: np.ascontiguousarray(v) for k, v in sorted(tensors.items())}, reference, metadata=metadata)
    sort_metadata(reference)

    total = 0
    for file in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, file))
        total += size
        print(f"{file:40s} {size:8d} bytes")
    print(f"{'total':40s} {total:8d} bytes")
    assert total < 1_000_000, "the image fixtures must stay under 1 MB"


def sort_metadata(path):
    """safetensors writes `__metadata__` in a random key order; sort it (same length, same offsets)."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + length])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":")).encode()
    assert len(text) <= length
    with open(path, "wb") as f:
        f.write(blob[:8] + text + b" " * (length - len(text)) + blob[8 + length :])


if __name__ == "__main__":
    main()
