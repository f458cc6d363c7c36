using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenlay.Emulator;

/// <summary>The emulator's JSON conventions: snake_case like the OpenAI and Tokenlay APIs.</summary>
internal static class EmulatorJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
