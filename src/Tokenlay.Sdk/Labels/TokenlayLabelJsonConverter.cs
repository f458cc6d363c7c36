using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>Reads and writes a <see cref="TokenlayLabel"/> as its JSON string.</summary>
internal sealed class TokenlayLabelJsonConverter : JsonConverter<TokenlayLabel>
{
    public override TokenlayLabel Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? new TokenlayLabel(reader.GetString()!)
            : throw new JsonException("A Tokenlay label must be a JSON string.");

    public override void Write(Utf8JsonWriter writer, TokenlayLabel value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
