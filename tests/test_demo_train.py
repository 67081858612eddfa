"""Smoke test of the demo GAN training loop + export into the bundled format (tiny sizes, seconds)."""

import json

import pytest
import torch
from safetensors.torch import save_file

from sefa_desktop.demo import training as T
from sefa_desktop.demo.export import export_generator, set_w_avg
from sefa_desktop.models.errors import ModelLoadError
from sefa_desktop.models.registry import load_model

TINY = {"z_dim": 8, "w_dim": 8, "img_resolution": 16, "img_channels": 3,
        "channels": {"4": 8, "8": 8, "16": 8}, "use_noise": False, "mapping_layers": 2}


def _opts() -> T.TrainOptions:
    return T.TrainOptions(g_config=dict(TINY), d_channels={"16": 8, "8": 8, "4": 8}, batch=4, r1_every=2)


def test_two_steps_update_weights_and_resume_exactly(tmp_path):
    st = T.new_state(_opts())
    before = {k: v.clone() for k, v in st.G.state_dict().items()}
    ckpt = tmp_path / "ckpt.pt"
    T.train(st, steps=2, ckpt=ckpt, log=lambda s: None)
    assert st.step == 2 and st.images_seen == 8
    changed = [k for k, v in st.G.state_dict().items() if not torch.equal(v, before[k])]
    assert changed, "a G step changed nothing"
    assert not torch.equal(st.G_ema.state_dict()["synthesis.b4.const"], before["synthesis.b4.const"])
    # resuming from the checkpoint and continuing equals continuing in memory
    again = T.load_checkpoint(ckpt)
    assert again.step == 2
    T.train(st, steps=3, ckpt=None, log=lambda s: None)
    T.train(again, steps=3, ckpt=None, log=lambda s: None)
    for k, v in st.G.state_dict().items():
        assert torch.allclose(v, again.G.state_dict()[k], atol=1e-6), k


def test_export_loads_as_stylegan2_with_w_plus_rows(tmp_path):
    st = T.new_state(_opts())
    G = st.G_ema
    set_w_avg(G, n=64)
    path = export_generator(G, TINY, tmp_path, "tiny-sg2", {"description": "test"})
    card = json.loads((tmp_path / "tiny-sg2.json").read_text())
    assert card["family"] == "stylegan2" and card["weights"] == "tiny-sg2.safetensors"
    model = load_model(path)
    assert model.family == "stylegan2" and model.edit_space == "w"
    assert model.num_layers == 6 and len(model.layers) == 6  # 4, 8, 16 blocks: 1 + 2 + 2 + 1
    codes = model.codes(model.sample_z(3, seed=0))
    assert codes.shape == (3, 6, 8)
    img = model.synthesize(codes)
    with torch.no_grad():
        ref = G.synthesis(codes.clone())
    assert img.shape == (3, 3, 16, 16) and torch.allclose(img, ref, atol=1e-5)


def test_bundled_reader_rejects_bad_stylegan2_config(tmp_path):
    st = T.new_state(_opts())
    state = {k: v.detach().contiguous() for k, v in st.G_ema.state_dict().items()}
    bad = tmp_path / "bad.safetensors"
    save_file(state, str(bad), metadata={"format": "sefa-desktop/1", "family": "stylegan2", "config": "[1, 2]"})
    with pytest.raises(ModelLoadError, match="JSON object"):
        load_model(bad)
    wrong = tmp_path / "wrong.safetensors"
    cfg = dict(TINY, w_dim=16)
    save_file(state, str(wrong), metadata={"format": "sefa-desktop/1", "family": "stylegan2",
                                           "config": json.dumps(cfg)})
    with pytest.raises(ModelLoadError):
        load_model(wrong)
