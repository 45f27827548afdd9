"""Callback data: every builder parses back to typed fields; chat types and bounds are enforced."""

from __future__ import annotations

import pytest

from bot.callback_data import (
    FAMILIES,
    GROUPS_TOO,
    MAX_BYTES,
    BadCallbackData,
    ConfirmTap,
    FlowTap,
    LangTap,
    RecordsConfirmTap,
    RecordsDeleteTap,
    RecordsPageTap,
    ReviewTap,
    SavedTap,
    SettingsTap,
    VisitClassTap,
    WrongChat,
    confirm_data,
    flow_data,
    lang_data,
    parse,
    records_confirm_data,
    records_delete_data,
    records_keep_data,
    records_page_data,
    review_data,
    saved_data,
    settings_data,
    visit_class_data,
)


def test_builders_round_trip_in_a_private_chat() -> None:
    assert parse(lang_data("en"), "private") == LangTap("en")
    assert parse(records_page_data(2, 17), "private") == RecordsPageTap(2, 17)
    assert parse(records_keep_data(0, -1), "private") == RecordsPageTap(0, -1)
    assert parse(records_delete_data(5, 1, 9), "private") == RecordsDeleteTap(5, 1, 9)
    confirm = records_confirm_data(5, 29_000_000, 1, 9)
    assert parse(confirm, "private") == RecordsConfirmTap(5, 29_000_000, 1, 9)
    assert parse(saved_data("ledit", 12), "private") == SavedTap("ledit", 12)
    assert parse(flow_data("a1b2c3", 2, "pick", 40), "private") == FlowTap("a1b2c3", 2, "pick", ("40",))
    assert parse(visit_class_data(7), "private") == VisitClassTap(7)
    assert visit_class_data(7) == "v1:vc:7"


@pytest.mark.parametrize("chat", ["group", "supergroup", "channel", None])
def test_personal_families_run_only_in_private_chats(chat: str | None) -> None:
    for data in (records_page_data(0, 0), records_delete_data(1, 0, 0), saved_data("ledit", 1),
                 flow_data("abc", 2, "pick", 1), visit_class_data(3)):
        with pytest.raises(WrongChat):
            parse(data, chat)
    personal = {name for name, f in FAMILIES.items() if f.chats != GROUPS_TOO}
    assert personal == {"rec", "vs", "visit", "vc", "ex", "nudge", "staff", "op", "it", "rf", "bd", "vp",
                        "rv", "ic", "set"}
    if chat in GROUPS_TOO:
        assert parse(lang_data("en"), chat) == LangTap("en")


@pytest.mark.parametrize(
    "data",
    [None, "", "v2:rec:pg:0:0", "v1:nope:x", "v1:rec:pg:99999999999999999999:0", "v1:rec:pg:0",
     "v1:rec:del:1:0:0:0", "v1:vs:edit:1.5", "v1:vs:burn:1", "v1:vc:", "v1:vc:1:2", "v1:visit:pick:abc",
     "v1:rec:pg:0:0" + "0" * MAX_BYTES, "v1:rec:pg:0:1e3"],
)
def test_anything_else_is_stale(data: str | None) -> None:
    with pytest.raises(BadCallbackData):
        parse(data, "private")
    with pytest.raises(BadCallbackData):
        flow_tap = parse(flow_data("abc", 2, "page", "9" * 20), "private")
        assert isinstance(flow_tap, FlowTap)
        flow_tap.int_arg(0)


def test_supervision_taps_round_trip_and_refuse_anything_else() -> None:
    assert parse(review_data("ok", 12, 0, 3), "private") == ReviewTap("ok", 12, 0, 3)
    assert parse(review_data("ret", 12, 1, 4), "private") == ReviewTap("ret", 12, 1, 4)
    assert parse(confirm_data("no", 9), "private") == ConfirmTap("no", 9)
    for data in ("v1:rv:ok:12:0", "v1:rv:burn:12:0:3", "v1:ic:maybe:9", "v1:ic:yes:9:1", "v1:rv:ok:a:0:3"):
        with pytest.raises(BadCallbackData):
            parse(data, "private")
    with pytest.raises(WrongChat):
        parse(confirm_data("yes", 9), "group")


def test_settings_buttons_carry_their_nonce_and_only_ids_days_or_an_audience() -> None:
    data = settings_data("pe", "a1b2c3", 2, -3, 90)
    assert parse(data, "private") == SettingsTap("pe", "a1b2c3", ("2", "-3", "90"))
    topic = settings_data("tx", "a1b2c3", "s", 41)
    assert parse(topic, "private") == SettingsTap("tx", "a1b2c3", ("s", "41"))
    with pytest.raises(WrongChat):
        parse(data, "group")
    for bad in ("v1:set:pe", "v1:set:burn:a1b2c3", "v1:set:tx:a1b2c3:x:1", "v1:set:pe:a1b2c3:1:2:3:4:5:6",
                "v1:set:pe:a1b2c3:99999999999999999999"):
        with pytest.raises(BadCallbackData):
            parse(bad, "private")
    with pytest.raises(ValueError):
        settings_data("burn", "a1b2c3")
