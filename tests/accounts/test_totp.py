"""The TOTP arithmetic against RFC 6238's own test vectors (Appendix B, SHA-1, 8 digits)."""

import base64
import time

import pytest

from accounts import two_factor

RFC_SECRET = b"12345678901234567890"
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("when", "expected"), RFC_VECTORS)
def test_totp_matches_the_rfc_6238_test_vectors(when, expected):
    secret = base64.b32encode(RFC_SECRET).decode()
    assert two_factor.totp(secret, when=when, digits=8) == expected


def test_six_digit_codes_are_the_last_six_digits_of_the_rfc_values():
    # RFC 4226 truncation modulo 10^6 instead of 10^8: what an authenticator app shows.
    secret = base64.b32encode(RFC_SECRET).decode()
    assert two_factor.totp(secret, when=59) == "287082"


def test_a_new_secret_is_160_bits_of_base32_without_padding():
    secret = two_factor.new_secret()
    assert len(secret) == 32 and "=" not in secret
    assert len(base64.b32decode(secret)) == 20
    assert two_factor.new_secret() != secret


def test_a_code_from_one_step_either_side_matches_but_not_two_steps_away():
    secret, now = "JBSWY3DPEHPK3PXP", 1_700_000_000.0  # fixed, so the five codes are known to differ
    step = two_factor.step_at(now)
    for offset in (-1, 0, 1):
        code = two_factor.totp(secret, when=now + offset * 30)
        assert two_factor.matching_step(secret, code, when=now) == step + offset
    for offset in (-2, 2):
        assert (
            two_factor.matching_step(secret, two_factor.totp(secret, when=now + offset * 30), when=now)
            is None
        )


def test_codes_typed_with_spaces_are_read_and_letters_are_refused():
    secret = two_factor.new_secret()
    code = two_factor.totp(secret)
    assert two_factor.matching_step(secret, f"{code[:3]} {code[3:]}") is not None
    assert two_factor.matching_step(secret, "abcdef") is None
    assert two_factor.matching_step(secret, "") is None


def test_the_provisioning_uri_names_the_service_and_the_person():
    uri = two_factor.provisioning_uri("JBSWY3DPEHPK3PXP", "finance@opcc.example")
    assert uri.startswith("otpauth://totp/PCC%20Grants%3Afinance%40opcc.example?")
    assert "secret=JBSWY3DPEHPK3PXP" in uri and "issuer=PCC+Grants" in uri and "period=30" in uri


def test_the_qr_code_is_inline_svg_with_a_name_and_no_inline_style():
    svg = two_factor.qr_svg(two_factor.provisioning_uri(two_factor.new_secret(), "a@b.example"))
    assert svg.startswith('<svg role="img" aria-label=')
    assert "style=" not in svg and "<script" not in svg


def test_the_key_is_shown_in_groups_of_four():
    assert two_factor.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_step_at_counts_thirty_second_steps():
    assert two_factor.step_at(59) == 1
    assert two_factor.step_at(time.time()) == int(time.time() // 30)
