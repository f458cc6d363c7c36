using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// Reads and writes an extensible enum as its wire name; an empty or null name reads as the
/// default value, never an exception, so an answer with a new or missing value still reads.
/// </summary>
internal abstract class WireNameConverter<T> : JsonConverter<T>
    where T : struct
{
    protected abstract T Create(string name);

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } text ? Create(text) : default;

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
