"""SMS segments, counted independently of the service's C code: GSM-7 (the
extension table costs two septets) or UCS-2 (UTF-16 code units), 160/70
characters in one message, 153/67 a segment once split, and a two-unit
character (an escape and its character, a surrogate pair) never cut
between segments."""

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = set("\f^{}\\[~]|€")

# The most segments a reply may take: 3, or 4 when a language other than
# English needs UCS-2.
MAX_SEGMENTS = 3
MAX_SEGMENTS_UCS2 = 4


def is_gsm7(text):
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def count(text):
    """(encoding, units, segments) of text as sent."""
    if is_gsm7(text):
        widths = [2 if c in GSM_EXTENSION else 1 for c in text]
        enc, single, part = "GSM-7", 160, 153
    else:
        widths = [2 if ord(c) > 0xFFFF else 1 for c in text]
        enc, single, part = "UCS-2", 70, 67
    units = sum(widths)
    if units <= single:
        return enc, units, 1
    segments, used = 1, 0
    for w in widths:
        if used + w > part:
            segments += 1
            used = 0
        used += w
    return enc, units, segments


def limit(encoding, lang):
    if encoding == "UCS-2" and lang != "en":
        return MAX_SEGMENTS_UCS2
    return MAX_SEGMENTS
