using System.Text;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// What a stream has delivered so far, kept up to date by the provider as it writes, so that a
/// stream the caller abandons (or that breaks) is still metered for what was produced: our own
/// count of the text relayed, or the provider's usage when it arrived before the end.
/// </summary>
internal sealed class StreamProgress
{
    private readonly StringBuilder _text = new();

    /// <summary>Prompt tokens, once known.</summary>
    public long InputTokens { get; set; }

    /// <summary>The provider's own output count, when its usage arrived.</summary>
    public long? ReportedOutputTokens { get; set; }

    /// <summary>Whether any event reached the caller.</summary>
    public bool Started { get; set; }

    /// <summary>The output text (and tool call arguments) relayed so far.</summary>
    public string Text => _text.ToString();

    public void Relayed(string? text)
    {
        Started = true;
        if (!string.IsNullOrEmpty(text))
        {
            _text.Append(text);
        }
    }
}
