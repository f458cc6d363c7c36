using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Tokenlay.Companion;

// Source-generated serialization: no reflection at run time, so the SDK stays trimming-safe.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TokenlayUsage))]
[JsonSerializable(typeof(TokenlayLogPage))]
[JsonSerializable(typeof(TokenlayLogEntry))]
[JsonSerializable(typeof(TokenlayPricing))]
[JsonSerializable(typeof(TokenlayHealth))]
[JsonSerializable(typeof(TokenlayCheckResult))]
[JsonSerializable(typeof(TokenlayRecordResult))]
[JsonSerializable(typeof(TokenlayReservationState))]
[JsonSerializable(typeof(TokenlayConnectedKey))]
[JsonSerializable(typeof(TokenlayConnectedKeyPage))]
[JsonSerializable(typeof(TokenlayKeyEventPage))]
[JsonSerializable(typeof(TokenlayCreditGrant))]
[JsonSerializable(typeof(TokenlayCreditAccount))]
[JsonSerializable(typeof(TokenlayCreditTransaction))]
[JsonSerializable(typeof(TokenlayCreditTransactionPage))]
[JsonSerializable(typeof(TokenlayCreditTier))]
[JsonSerializable(typeof(TokenlayCreditTierList))]
[JsonSerializable(typeof(TokenlayBlockEntry))]
[JsonSerializable(typeof(TokenlayBlockEntryPage))]
[JsonSerializable(typeof(TokenlayBlockRemoval))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, TokenlayModelPrice>>))]
internal sealed partial class TokenlayJsonContext : JsonSerializerContext
{
}
