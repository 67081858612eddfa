"""Scheduling of gallery and drag renders (gui/render_plan.py): order of work and draft resolutions,
decided without timing anything."""

from __future__ import annotations

from sefa_desktop.gui.render_plan import DraftPlanner, ThumbStep, thumbnail_progress, thumbnail_steps


def test_big_model_drafts_first_card_alone_then_batches_then_sharp_one_by_one():
    steps = thumbnail_steps([4, 5, 6, 7, 8, 9], model_resolution=1024, size=64, cards_per_batch=4)
    assert steps == (
        ThumbStep((4,), 32, True),
        ThumbStep((5, 6, 7, 8), 32, True),
        ThumbStep((9,), 32, True),
        *(ThumbStep((r,), 64, False) for r in (4, 5, 6, 7, 8, 9)),
    )


def test_rows_with_drafts_only_get_sharp_strips_and_order_is_kept():
    steps = thumbnail_steps([7, 3, 3, 9], model_resolution=256, size=100, drafted=[7, 9])
    assert steps == (ThumbStep((3,), 32, True), ThumbStep((7,), 128, False), ThumbStep((3,), 128, False),
                     ThumbStep((9,), 128, False))


def test_small_model_has_no_drafts():
    # 64 px model, 64 px strips: the full frame is the sharp strip and costs about what a draft would
    assert thumbnail_steps([0, 1, 2], 64, 64, cards_per_batch=2) == (ThumbStep((0, 1), None, False),
                                                                      ThumbStep((2,), None, False))
    assert thumbnail_steps([], 1024, 64) == ()


def test_progress_text():
    assert thumbnail_progress([0, 1, 2, 3], {0, 2}) == "thumbnails 2/4"
    assert thumbnail_progress([0, 1], {0, 1, 5}) == ""


# config-f 1024: work up to each block (multiply-adds), the shape the StyleGAN2 model reports
PROFILE = {4: 2.4, 8: 12, 16: 50, 32: 200, 64: 800, 128: 1700, 256: 2600, 512: 3500, 1024: 4400}


def test_profile_alone_picks_before_any_timing():
    p = DraftPlanner(1024, PROFILE)
    assert p.draft_resolution() == 64  # 800/4400 = 18 % ≤ 25 %; 128 would be 39 %


def test_measured_times_decide_and_unmeasured_ones_are_scaled_from_them():
    p = DraftPlanner(1024, PROFILE)
    p.record(None, 4.0)  # a full frame: 4 s → budget 1 s
    p.record(64, 0.5)
    assert p.estimate(128) == 0.5 * 1700 / 800
    assert p.draft_resolution() == 64  # 128 estimated 1.06 s > 1 s
    p.record(128, 0.9)  # measured faster than estimated
    assert p.draft_resolution() == 128
    p.record(128, 1.5)  # the machine got busier: the average 1.2 s no longer fits
    assert p.draft_resolution() == 64


def test_without_profile_pessimistic_and_never_none_for_slow_big_models():
    p = DraftPlanner(512)
    assert p.draft_resolution() == 32  # nothing known: the smallest draft
    p.record(None, 2.0)
    p.record(32, 0.1)
    assert p.draft_resolution() == 128  # 0.1·(128/32) = 0.4 ≤ 0.5; 256 → 0.8
    p.record(32, 5.0)  # nothing fits: still the smallest draft, never a full frame while dragging
    assert p.draft_resolution() == 32


def test_fast_or_small_models_render_drafts_in_full():
    assert DraftPlanner(32).draft_resolution() is None  # no early exit below the model's size
    p = DraftPlanner(256)
    p.record(None, 0.02)
    assert p.draft_resolution() is None


def test_reset_forgets_timings():
    p = DraftPlanner(1024, PROFILE)
    p.record(None, 4.0)
    p.record(128, 0.1)
    assert p.draft_resolution() == 512
    p.reset(1024, PROFILE)
    assert p.seconds == {} and p.draft_resolution() == 64


# config-f 256, from StyleGAN2Model.cost_profile(): 32 px is 8.9 % of a frame there, 5.3 % at 1024
PROFILE_256 = {4: 0.1, 8: 0.5, 16: 2.2, 32: 8.9, 64: 35.6, 128: 67.7, 256: 100.0}


def test_draft_thumbnails_drop_to_16_px_where_32_px_costs_too_much():
    assert DraftPlanner(1024, PROFILE).thumb_draft_resolution() == 32
    assert DraftPlanner(256, PROFILE_256).thumb_draft_resolution() == 16
    assert DraftPlanner(256, {k: v for k, v in PROFILE_256.items() if k != 16}).thumb_draft_resolution() == 32
    assert DraftPlanner(256).thumb_draft_resolution() == 32  # no profile: the default
    assert DraftPlanner(0, PROFILE_256).thumb_draft_resolution() is None  # no early exit: no drafts
