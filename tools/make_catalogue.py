"""Generate resources/catalogue.json from the shared source table (run once; the JSON is committed).

    python tools/make_catalogue.py [path/to/catalogue-sources.tsv]

Input: `catalogue-sources.tsv` (name, family, format, resolution, source, url) — the 57 genforce
zoo models, the 27 NVIDIA StyleGAN2/StyleGAN3 pickles of the StyleGAN3 release and 3 StyleGAN2-ADA
pickles. This script adds what could be read in the projects' own READMEs (see the `_SOURCES`
comments): the dataset of each model, its licence as stated upstream, the source page, and four
more StyleGAN2-ADA pickles listed in the stylegan2-ada-pytorch data-repository table.
Nothing else is filled in: sizes and sha256 stay null until someone measures them (the app
records the observed sha256 of every download in its cache).

Second input: `tools/catalogue-multifile-sources.tsv` (in this repository, one row per file) — the
entries made of several files saved in one folder: the three BigGAN-deep models, each `config.json` +
`pytorch_model.bin` in the pytorch-pretrained-BigGAN layout. They live here, not in the shared table,
because ../shared is read-only for this project and its table has one URL per row (one file per entry).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TSV = ROOT.parent / "shared" / "notes" / "catalogue-sources.tsv"
FALLBACK_TSV = Path("/work/shared/notes/catalogue-sources.tsv")
OUT = ROOT / "resources" / "catalogue.json"
MULTIFILE_TSV = Path(__file__).resolve().parent / "catalogue-multifile-sources.tsv"

# Licences exactly as the upstream READMEs state them (read via the project's search tool):
# - PGGAN (tkarras/progressive_growing_of_gans README): "All the material, including source code, is
#   made freely available for non-commercial use under the Creative Commons CC BY-NC 4.0 license".
# - StyleGAN (NVlabs/stylegan README): "All material, excluding the Flickr-Faces-HQ dataset, is made
#   available under Creative Commons BY-NC 4.0 license by NVIDIA Corporation."
# - StyleGAN2 (NVlabs/stylegan2 sources): "made available under the Nvidia Source Code License-NC".
# - StyleGAN3 release (NVlabs/stylegan3 README, License): "made available under the Nvidia Source
#   Code License"; its README lists the NGC pickles.
# - stylegan2-ada-pytorch: the "Nvidia Source Code License-NC" of that repository.
# genforce's own models ("StyleGAN Ours") and the third-party ones carry no stated licence → null.
CC_BY_NC = ("CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/")
NV_SCL_NC_SG2 = ("Nvidia Source Code License-NC", "https://nvlabs.github.io/stylegan2/license.html")
NV_SCL_SG3 = ("Nvidia Source Code License", "https://github.com/NVlabs/stylegan3/blob/main/LICENSE.txt")
NV_SCL_ADA = ("Nvidia Source Code License-NC", "https://nvlabs.github.io/stylegan2-ada-pytorch/license.html")

GENFORCE_ZOO = "https://github.com/genforce/genforce/blob/master/MODEL_ZOO.md"
NGC_SG3 = "https://ngc.nvidia.com/catalog/models/nvidia:research:stylegan3"
NGC_SG2 = "https://ngc.nvidia.com/catalog/models/nvidia:research:stylegan2"
ADA_README = "https://github.com/NVlabs/stylegan2-ada-pytorch#data-repository"

# genforce MODEL_ZOO.md groups: "StyleGAN Official" (mirrored from NVIDIA), "StyleGAN Ours" (trained
# by genforce), "StyleGAN Third-Party"; every PGGAN and StyleGAN2 entry there is "Official".
GENFORCE_STYLEGAN_OFFICIAL = {"ffhq1024", "celebahq1024", "bedroom256", "cat256", "car512"}
GENFORCE_THIRD_PARTY = {
    "animeface512": ("anime faces", "https://www.gwern.net/Faces#portrait-results"),
    "animeportrait512": ("anime portraits", "https://www.gwern.net/Faces#portrait-results"),
    "artface512": ("art faces", "https://github.com/ak9250/stylegan-art"),
}

# Dataset names. LSUN categories: the genforce zoo's training-set counts equal the LSUN category
# sizes it tabulates (e.g. bedroom 3,033,042; cat 1,657,266; car 5,520,756).
LSUN = {"bedroom", "livingroom", "diningroom", "kitchen", "tower", "bridge", "restaurant", "classroom",
        "conferenceroom", "person", "cat", "dog", "bird", "horse", "sheep", "cow", "car", "bicycle",
        "motorbike", "bus", "train", "boat", "airplane", "bottle", "chair", "pottedplant", "tvmonitor",
        "diningtable", "sofa"}
NAMED = {
    "celebahq": "CelebA-HQ", "ffhq": "FFHQ", "ffhqu": "FFHQ-U (unaligned)", "metfaces": "MetFaces",
    "metfacesu": "MetFaces-U (unaligned)", "afhqv2": "AFHQv2", "afhqcat": "AFHQ cat", "afhqdog": "AFHQ dog",
    "afhqwild": "AFHQ wild", "brecahad": "BreCaHAD", "cifar10": "CIFAR-10", "lsundog": "LSUN dog",
    "church": "LSUN church outdoor", "apartment": "LSUN indoor scene mixture (apartment)",
    "celeba_partial": "CelebA (faces not fully aligned)", "imagenet": "ImageNet",
}

EXT = {"genforce-pth": ".pth", "nvidia-pkl": ".pkl"}

# Four more StyleGAN2-ADA pickles, as the stylegan2-ada-pytorch README's data-repository table
# describes them ("AFHQ Cat at 512x512, trained from scratch using ADA", ...).
ADA_EXTRA = [
    ("stylegan2-ada-afhqcat", "afhqcat", 512, "AFHQ cat at 512x512, trained from scratch using ADA"),
    ("stylegan2-ada-afhqdog", "afhqdog", 512, "AFHQ dog at 512x512, trained from scratch using ADA"),
    ("stylegan2-ada-afhqwild", "afhqwild", 512, "AFHQ wild at 512x512, trained from scratch using ADA"),
    ("stylegan2-ada-brecahad", "brecahad", 512, "BreCaHAD at 512x512, trained from scratch using ADA"),
]
ADA_NOTES = {
    "ffhq": "FFHQ at 1024x1024, trained using original StyleGAN2",
    "metfaces": "MetFaces at 1024x1024, transfer learning from FFHQ using ADA",
    "cifar10": "Class-conditional CIFAR-10 at 32x32",
}


def _dataset(key: str) -> str:
    if key in NAMED:
        return NAMED[key]
    if key in LSUN:
        return f"LSUN {key}"
    raise SystemExit(f"no dataset name for '{key}': add it to NAMED")


def _genforce(row: dict[str, str]) -> dict:
    name, family, res = row["name"], row["family"], int(row["resolution"])
    stem = name.split("_", 1)[1]
    key = stem[: -len(str(res))]
    entry: dict = {"dataset": _dataset(key) if stem not in GENFORCE_THIRD_PARTY else GENFORCE_THIRD_PARTY[stem][0],
                   "source_page": GENFORCE_ZOO, "licence": None, "licence_url": None, "notes": ""}
    if family == "pggan" or family == "stylegan2" or stem in GENFORCE_STYLEGAN_OFFICIAL:
        lic = {"pggan": CC_BY_NC, "stylegan": CC_BY_NC, "stylegan2": NV_SCL_NC_SG2}[family]
        entry["licence"], entry["licence_url"] = lic
        entry["notes"] = "official NVIDIA model, converted and mirrored by genforce"
    elif stem in GENFORCE_THIRD_PARTY:
        entry["notes"] = f"third-party model, converted by genforce; original: {GENFORCE_THIRD_PARTY[stem][1]}"
    else:
        entry["notes"] = "trained by genforce"
    if stem.startswith("car512"):
        entry["notes"] += "; the zoo lists it as 512x384 (wide images)"
    if name == "stylegan2_ffhq1024":
        entry["notes"] += "; this download link is reported dead"
    return entry


def _nvidia(row: dict[str, str]) -> dict:
    name = row["name"]
    if name.startswith("stylegan2-ada-"):
        key = name[len("stylegan2-ada-"):]
        return {"dataset": _dataset(key), "source_page": ADA_README, "licence": NV_SCL_ADA[0],
                "licence_url": NV_SCL_ADA[1], "notes": ADA_NOTES.get(key, "")}
    key = name.rsplit("-", 1)[0].split("-")[-1]  # stylegan3-r-afhqv2-512x512 → afhqv2
    page = NGC_SG3 if row["family"] == "stylegan3" else NGC_SG2
    notes = ""
    if row["family"] == "stylegan3":
        notes = "config R (translation and rotation equivariant)" if "-r-" in name else \
                "config T (translation equivariant)"
    return {"dataset": _dataset(key), "source_page": page, "licence": NV_SCL_SG3[0],
            "licence_url": NV_SCL_SG3[1], "notes": notes}


# Weights for projection's perceptual loss (core/perceptual.py), not generators: torchvision's VGG16 in
# timm's safetensors copy (the convolution stack is read by its `features.N` names) and the `lpips`
# package's linear layers (a weights-only state dict of five tensors).
PERCEPTUAL = [
    {"name": "lpips-vgg16-features", "family": "perceptual", "format": "safetensors", "dataset": "imagenet",
     "resolution": 224, "filename": "lpips-vgg16-features.safetensors", "size": None, "sha256": None,
     "licence": "BSD-3-Clause", "licence_url": "https://github.com/pytorch/vision/blob/main/LICENSE",
     "source": "torchvision VGG16 (IMAGENET1K_V1), as published by timm",
     "source_page": "https://huggingface.co/timm/vgg16.tv_in1k",
     "urls": ["https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors"],
     "notes": "VGG16 feature weights for the LPIPS loss of `project --lpips` (the whole network is "
              "downloaded, only the 13 convolutions are read)"},
    {"name": "lpips-vgg-linear", "family": "perceptual", "format": "torch-state-dict", "dataset": "bapps",
     "resolution": 64, "filename": "lpips-vgg-linear.pth", "size": None, "sha256": None,
     "licence": "BSD-2-Clause", "licence_url": "https://github.com/richzhang/PerceptualSimilarity/blob/master/LICENSE",
     "source": "lpips 0.1 (Zhang et al. 2018)",
     "source_page": "https://github.com/richzhang/PerceptualSimilarity",
     "urls": ["https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/vgg.pth"],
     "notes": "LPIPS linear layers over VGG16 features, for `project --lpips` (read weights-only)"},
]

# Not a generator: CLIP weights for labels and text search, in open_clip's own layout (safetensors,
# loaded without executing code by sefa_desktop/models/clip.py as open_clip's "ViT-B-32" config).
CLIP_ENTRY = {
    "name": "clip-vit-b-32-laion2b", "family": "clip", "format": "open_clip-safetensors",
    "dataset": "LAION-2B (English)", "resolution": 224, "filename": "clip-vit-b-32-laion2b.safetensors",
    "size": None, "sha256": None, "licence": "MIT",
    "licence_url": "https://huggingface.co/laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
    "source": "LAION / open_clip", "source_page": "https://huggingface.co/laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
    "urls": ["https://huggingface.co/laion/CLIP-ViT-B-32-laion2B-s34B-b79K/resolve/main/open_clip_model.safetensors"],
    "notes": "CLIP ViT-B/32 (open_clip arch ViT-B-32, ~600 MB) for automatic labels and text search; "
             "published as open_clip_model.safetensors",
}


# BigGAN-deep (tools/catalogue-multifile-sources.tsv). Read via the project's search tool:
# - huggingface/pytorch-pretrained-BigGAN README: "an op-for-op PyTorch reimplementation of DeepMind's
#   BigGAN model with the pre-trained weights from DeepMind", "provided with the pretrained 128x128, 256x256
#   and 512x512 models by DeepMind" (linking tfhub.dev/deepmind/biggan-deep-128/1), converted by its
#   scripts from the TF-Hub modules; the weight dumps are 201 MB, 224 MB and 225 MB; 1000 classes. The
#   README states no licence for the weights. Its LICENSE is MIT, "Copyright (c) 2019 Thomas Wolf", for
#   "this software and associated documentation files" — the code, not DeepMind's weights.
# - TF-Hub model pages (tensorflow/tfhub.dev assets/docs/deepmind/models/biggan-deep-{128,256,512}/1.md):
#   "BigGAN-deep image generator trained on NxN ImageNet", dataset imagenet-ilsvrc-2012-cls; no `license`
#   tag and no licence text.
# So the licence is not stated anywhere we could read: null (shown as "unknown"), with the facts in notes.
# (A third-party Hugging Face model card, Jezia/pytorch-pretrained-BigGAN, tags itself apache-2.0; it is
# not the publisher and holds no weights, so it is not used.)
BIGGAN_PAGE = "https://github.com/huggingface/pytorch-pretrained-BigGAN"
BIGGAN_MB = {128: 201, 256: 224, 512: 225}   # the README's "model dump weights" sizes (not exact bytes)


def _biggan_notes(res: int) -> str:
    return (f"BigGAN-deep {res}x{res} by DeepMind, 1000 ImageNet classes (TF-Hub module "
            f"deepmind/biggan-deep-{res}/1), converted to PyTorch by pytorch-pretrained-BigGAN; saved as a "
            f"folder of config.json + pytorch_model.bin (weights about {BIGGAN_MB[res]} MB per that README); "
            "licence of the weights not stated: the TF-Hub page names none and the converter's MIT licence "
            "covers its code")


def _multifile(tsv: Path) -> list[dict]:
    """Entries of several files (one row per file, grouped by name in the table's order)."""
    entries: dict[str, dict] = {}
    with open(tsv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            name, res = row["name"], int(row["resolution"])
            if name not in entries:
                if row["family"] != "biggan":
                    raise SystemExit(f"{name}: only BigGAN folders are described here (family {row['family']})")
                entries[name] = {
                    "name": name, "family": row["family"], "format": row["format"],
                    "dataset": _dataset(row["dataset"]), "resolution": res, "filename": name,
                    "size": None, "sha256": None, "licence": None, "licence_url": None,
                    "source": row["source"], "source_page": BIGGAN_PAGE,
                    "notes": _biggan_notes(res), "files": []}
            entries[name]["files"].append({"filename": row["file"], "format": row["file_format"],
                                           "urls": [row["url"]], "size": None, "sha256": None})
    return list(entries.values())


def build(tsv: Path, multifile_tsv: Path = MULTIFILE_TSV) -> dict:
    entries = []
    with open(tsv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            extra = _genforce(row) if row["format"] == "genforce-pth" else _nvidia(row)
            url = row["url"]
            server_name = url.split("?")[0].rsplit("/", 1)[-1]
            entries.append({
                "name": row["name"], "family": row["family"], "format": row["format"],
                "dataset": extra["dataset"], "resolution": int(row["resolution"]),
                "filename": row["name"] + EXT[row["format"]],
                "size": None, "sha256": None,
                "licence": extra["licence"], "licence_url": extra["licence_url"],
                "source": row["source"], "source_page": extra["source_page"],
                "urls": [url],
                "notes": "; ".join(x for x in (extra["notes"],
                                              f"published as {server_name}" if row["format"] == "nvidia-pkl"
                                              and server_name != row["name"] + ".pkl" else "") if x),
            })
    for name, key, res, note in ADA_EXTRA:
        entries.append({
            "name": name, "family": "stylegan2", "format": "nvidia-pkl", "dataset": _dataset(key),
            "resolution": res, "filename": name + ".pkl", "size": None, "sha256": None,
            "licence": NV_SCL_ADA[0], "licence_url": NV_SCL_ADA[1],
            "source": "NVlabs stylegan2-ada-pytorch pretrained", "source_page": ADA_README,
            "urls": [f"https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/{key}.pkl"],
            "notes": f"{note}; published as {key}.pkl",
        })
    entries += _multifile(multifile_tsv)
    entries.append(CLIP_ENTRY)
    entries += [dict(e) for e in PERCEPTUAL]
    return {"version": 1,
            "description": "Public GAN checkpoints sefa-desktop can download. Generated by "
                           "tools/make_catalogue.py; null = not known.",
            "entries": entries}


def main(argv: list[str]) -> int:
    tsv = Path(argv[0]) if argv else (DEFAULT_TSV if DEFAULT_TSV.is_file() else FALLBACK_TSV)
    data = build(tsv)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(data['entries'])} entries to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
