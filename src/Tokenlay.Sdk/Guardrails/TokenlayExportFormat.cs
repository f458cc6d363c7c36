using System;

namespace Tokenlay;

/// <summary>
/// The file format of an export (<c>format=</c>): <see cref="Csv"/> (RFC 4180, fixed columns, formula
/// cells made inert) or <see cref="JsonLines"/> (one JSON object per line). An extensible enum: a format
/// newer than this SDK can be named with the constructor.
/// </summary>
public readonly struct TokenlayExportFormat : IEquatable<TokenlayExportFormat>
{
    private readonly string? _value;

    /// <summary>A format by its wire name.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public TokenlayExportFormat(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("The export format is empty.", nameof(value));
        }
        _value = value;
    }

    /// <summary>CSV: RFC 4180, a header row, and cells starting with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c> made inert for spreadsheets.</summary>
    public static TokenlayExportFormat Csv { get; } = new("csv");

    /// <summary>JSON Lines (<c>jsonl</c>): one object per line with the same fields as the CSV columns.</summary>
    public static TokenlayExportFormat JsonLines { get; } = new("jsonl");

    /// <summary>The MIME type the server answers with.</summary>
    internal string MediaType => this == JsonLines ? "application/x-ndjson" : "text/csv";

    /// <summary>Compares two formats by wire name, ignoring case.</summary>
    public static bool operator ==(TokenlayExportFormat left, TokenlayExportFormat right) => left.Equals(right);

    /// <summary>Compares two formats by wire name, ignoring case.</summary>
    public static bool operator !=(TokenlayExportFormat left, TokenlayExportFormat right) => !left.Equals(right);

    /// <summary>A format by its wire name.</summary>
    public static implicit operator TokenlayExportFormat(string value) => new(value);

    /// <inheritdoc />
    public bool Equals(TokenlayExportFormat other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TokenlayExportFormat other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>The wire name (<c>csv</c>, <c>jsonl</c>); <c>csv</c> for the default value.</summary>
    public override string ToString() => _value ?? "csv";
}
