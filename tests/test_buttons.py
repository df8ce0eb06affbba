"""Signed button data: what the runner signs comes back intact; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from runner.buttons import (
    MAX_DATA,
    ButtonAction,
    button_keys,
    derive_secret,
    legacy_keys,
    make_button_data,
    parse_button_data,
)
from runner.errors import ForgedButton, RunnerError
from runner.settings import Settings

SECRET = derive_secret("bot-token-123")
OTHER = derive_secret("another-token")


def test_keep_round_trip_is_short_and_versioned() -> None:
    data = make_button_data("keep", 4242, SECRET, scope=17)
    assert data.startswith("pr1.keep.4242.h.")
    assert len(data) < 64
    assert parse_button_data(data, SECRET) == ButtonAction("keep", 4242, None, 17)


def test_retry_carries_a_job_name_in_the_same_format() -> None:
    data = make_button_data("retry", "утренняя-сводка_2", SECRET, scope=9)
    assert parse_button_data(data, SECRET) == ButtonAction("retry", None, "утренняя-сводка_2", 9)


@given(
    chat_id=st.integers(min_value=1, max_value=10**18),
    scope=st.integers(min_value=0, max_value=10**12),
    action=st.sampled_from(["keep", "archive_now"]),
)
def test_every_chat_button_round_trips(chat_id: int, scope: int, action: str) -> None:
    data = make_button_data(action, chat_id, SECRET, scope=scope)  # type: ignore[arg-type]
    assert len(data) <= MAX_DATA
    parsed = parse_button_data(data, SECRET)
    assert (parsed.action, parsed.chat_id, parsed.scope) == (action, chat_id, scope)


def _replace(data: str, index: int, value: str) -> str:
    parts = data.split(".")
    parts[index] = value
    return ".".join(parts)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda d: _replace(d, 2, "4243"), id="tampered-chat-id"),
        pytest.param(lambda d: _replace(d, 1, "archive_now"), id="other-action"),
        pytest.param(lambda d: _replace(d, 3, "i"), id="other-scope"),
        pytest.param(lambda d: _replace(d, 0, "pr2"), id="wrong-version"),
        pytest.param(lambda d: _replace(d, 0, "PR1"), id="version-case"),
        pytest.param(lambda d: d[:-1], id="truncated-signature"),
        pytest.param(lambda d: d.rsplit(".", 1)[0], id="signature-removed"),
        pytest.param(lambda d: d[:10], id="truncated"),
        pytest.param(lambda d: d + ".x", id="extra-field"),
        pytest.param(lambda d: d[:-2] + ("AA" if d[-2:] != "AA" else "BB"), id="flipped-sig"),
        pytest.param(lambda d: _replace(d, 2, "04242"), id="leading-zero"),
        pytest.param(lambda d: "", id="empty"),
        pytest.param(lambda d: d + "x" * 300, id="too-long"),
        pytest.param(lambda d: _replace(d, 4, "ю" * 22), id="non-ascii-signature"),
    ],
)
def test_forgeries_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    data = make_button_data("keep", 4242, SECRET, scope=17)
    with pytest.raises(ForgedButton):
        parse_button_data(forge(data), SECRET)


def test_data_signed_with_another_secret_is_refused() -> None:
    data = make_button_data("archive_now", 77, OTHER)
    with pytest.raises(ForgedButton, match="signature"):
        parse_button_data(data, SECRET)


def test_a_valid_signature_on_a_wrong_subject_is_still_refused() -> None:
    """Signed text whose subject does not fit the action (e.g. a job name for keep)."""
    import base64
    import hashlib
    import hmac

    body = "pr1.keep.not-a-chat.0"
    mac = hmac.new(SECRET, body.encode(), hashlib.sha256).digest()[:16]
    sig = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(ForgedButton, match="subject"):
        parse_button_data(f"{body}.{sig}", SECRET)


def test_forged_button_is_a_runner_error_with_one_line() -> None:
    with pytest.raises(RunnerError) as caught:
        parse_button_data("pr9.keep.1.0.xxxxxxxxxxxxxxxxxxxxxx", SECRET)
    assert "\n" not in str(caught.value)
    assert "version" in str(caught.value)


@pytest.mark.parametrize(
    ("action", "subject"),
    [("keep", "general"), ("keep", 0), ("keep", True), ("retry", 5), ("retry", "a.b"),
     ("delete", 5), ("retry", "x" * 300)],
)
def test_make_refuses_what_it_cannot_sign(action: str, subject: object) -> None:
    with pytest.raises(ValueError):
        make_button_data(action, subject, SECRET)  # type: ignore[arg-type]


def test_legacy_keys_come_from_the_webhook_secret_and_the_token_and_are_never_them() -> None:
    token = "tok-" + "a" * 40
    assert legacy_keys(Settings(token=SecretStr(token))) == (derive_secret(token),)
    both = legacy_keys(Settings(token=SecretStr(token), webhook_secret=SecretStr("whsec")))
    assert both == (derive_secret("whsec"), derive_secret(token))
    assert all(token.encode() not in key and b"whsec" not in key for key in both)
    data = make_button_data("keep", 5, both[1])
    assert token not in data
    with pytest.raises(ForgedButton):
        parse_button_data(data, both[0])


def test_new_buttons_are_signed_with_the_stored_key_and_legacy_ones_still_pass() -> None:
    stored = bytes(range(32))
    token, hook = "tok-" + "b" * 40, "whsec-new"
    keys = button_keys(stored, Settings(token=SecretStr(token), webhook_secret=SecretStr(hook)))

    new = make_button_data("archive_now", 77, keys, scope=3)
    assert new == make_button_data("archive_now", 77, stored, scope=3)
    # The token and the secret change: the stored key still checks what it signed.
    rotated = button_keys(stored, Settings(token=SecretStr("tok-" + "c" * 40)))
    assert parse_button_data(new, rotated) == ButtonAction("archive_now", 77, None, 3)
    # Posted before the store kept a key: signed with a key derived from the secret or
    # the token of then; both still pass while that setting is the same.
    for old in (derive_secret(token), derive_secret(hook)):
        posted = make_button_data("retry", "digest", old, scope=9)
        assert parse_button_data(posted, keys) == ButtonAction("retry", None, "digest", 9)
    with pytest.raises(ForgedButton):
        parse_button_data(make_button_data("retry", "digest", derive_secret(hook)), rotated)
    with pytest.raises(ForgedButton):  # another store's key, or anyone's
        parse_button_data(make_button_data("keep", 5, OTHER), keys)
    assert stored.hex() not in repr(keys) and repr(stored) not in repr(keys)


def test_the_stored_key_is_not_listed_twice_and_an_empty_one_signs_nothing() -> None:
    token = "tok-" + "d" * 40
    same = button_keys(derive_secret(token), Settings(token=SecretStr(token)))
    assert same.accepted() == (derive_secret(token),)
    with pytest.raises(ValueError, match="empty key"):
        button_keys(b"", Settings(token=SecretStr(token)))


@pytest.mark.parametrize("data", [
    "", "pr9.keep.1.0." + "x" * 22, "pr1.keep.1", "pr1.keep.1.0.short",
    make_button_data("keep", 1, OTHER), "pr1.keep.1.%.AAAAAAAAAAAAAAAAAAAAAA",
])
def test_why_data_is_refused_is_said_in_the_operators_language(
    data: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    with pytest.raises(ForgedButton) as refused:
        parse_button_data(data, SECRET)
    said = str(refused.value)
    assert said.startswith("данные кнопки"), said
    if data == make_button_data("keep", 1, OTHER):
        # The likeliest cause of a genuine button refused: the store keeping the key changed.
        assert "хранилище состояния" in said, said
