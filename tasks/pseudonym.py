"""Personal identifiers out, keyed pseudonyms in: HMAC-SHA256 under a secret held only in settings.

The same member gets the same pseudonym in every export (so analysts can count people, not
responses) while nobody without the key can go back to the member id, or test a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import pyarrow as pa
import pyarrow.compute as pc

from tasks.settings import Settings

KEY_FILE = "pseudonym.key"
# Outward code of a UK postcode: the district (PR1, BB11, L39, M1); the inward code identifies a street.
POSTCODE = r"^(?P<district>[A-Z]{1,2}[0-9][A-Z0-9]?) ?[0-9][A-Z]{2}$"


def pseudonym_key(settings: Settings) -> bytes:
    """CSP_PSEUDONYM_KEY, or the Prefect Secret block CSP_PSEUDONYM_KEY_SECRET names, or the workdir's own key
    file (created once, readable by its owner only).

    A key file keeps the embedded default working out of the box; production sets the variable
    from its secret store, so pseudonyms stay stable across machines.
    """
    if settings.pseudonym_key is not None:
        return settings.pseudonym_key.get_secret_value().encode("utf-8")
    if settings.pseudonym_key_secret:
        from tasks.settings import secret_block_value

        return secret_block_value(settings.pseudonym_key_secret).encode("utf-8")
    path = settings.secrets / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def pseudonymise(values: pa.ChunkedArray | pa.Array, key: bytes) -> pa.Array:
    """Each identifier -> 64-hex HMAC-SHA256 under the key; nulls stay null."""
    return pa.array(
        [None if v is None else hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest() for v in values.to_pylist()],
        pa.string(),
    )


def postcode_district(postcodes: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The district (outward code) of each postcode; null when the value is not a UK postcode."""
    tidy = pc.utf8_upper(pc.utf8_trim_whitespace(postcodes))
    return pc.struct_field(pc.extract_regex(tidy, POSTCODE), [0])
