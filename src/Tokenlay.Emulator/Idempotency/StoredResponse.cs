using System.Collections.Generic;

namespace Tokenlay.Emulator.Idempotency;

/// <summary>A finished call's answer as sent, replayed byte for byte to a retry with the same idempotency key.</summary>
internal sealed record StoredResponse(int Status, string? ContentType, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);
