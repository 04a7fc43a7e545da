#pragma once
/// Building QR tokens (issue 4 §2): the signed token in the URL a building's QR code points to
/// (`/r/<token>`), so a resident can report a problem there without logging in.
///
/// A token is "<building id>.<tag>": the tag is the first 128 bits of a keyed BLAKE2b (FieldCrypto's
/// keyed hash, purpose "building_qr/v1") of the id, in unpadded base64url. Only the server's key file
/// can make one; a changed id, a changed or truncated tag is refused. Tokens do not expire: they are
/// printed on boards in stairwells for years. Changing the key file invalidates every printed code
/// (as it does every encrypted phone), so that is not a rotation mechanism; see ADR 0006.
///
/// Thread safety: const methods only; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/field_crypto.hpp"

namespace linli::orders {

/// Longest token Verify looks at (an id of up to 18 digits, '.', 22 tag characters).
constexpr size_t kMaxBuildingTokenChars = 64;

class BuildingTokens {
public:
    /// REQUIRES: `crypto` outlives this object.
    explicit BuildingTokens(const FieldCrypto& crypto) : crypto_(crypto) {}

    /// The token for `building_id` (REQUIRES: > 0). Deterministic: the same building always gets the
    /// same token, so a reprinted board shows the same code.
    std::string Issue(int64_t building_id) const;

    /// The building id a token names; kInvalidArgument naming `field` for anything malformed, forged
    /// or truncated (the message says the QR code is not valid, in Chinese and English). Does not
    /// check that the building still exists: the caller asks the register.
    Result<int64_t> Verify(std::string_view token, std::string_view field = "building_token") const;

private:
    std::string Tag(int64_t building_id) const;

    const FieldCrypto& crypto_;
};

}  // namespace linli::orders
