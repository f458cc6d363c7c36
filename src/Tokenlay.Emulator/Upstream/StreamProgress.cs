using System;
using System.Text;
using System.Threading.Tasks;

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

    /// <summary>
    /// Called once, just before the stream's end marker (<c>data: [DONE]</c>, or after the last event
    /// of a Responses stream), with the prompt and output tokens and whether the provider reported
    /// them: the proxy writes its summary event there for callers that asked for one.
    /// </summary>
    public Func<long, long, bool, Task>? BeforeEnd { get; set; }

    private bool _ended;

    /// <summary>Runs <see cref="BeforeEnd"/> the first time it is called.</summary>
    public Task EndingAsync(long input, long output, bool reported)
    {
        if (_ended || BeforeEnd is null)
        {
            return Task.CompletedTask;
        }
        _ended = true;
        return BeforeEnd(input, output, reported);
    }

    public void Relayed(string? text)
    {
        Started = true;
        if (!string.IsNullOrEmpty(text))
        {
            _text.Append(text);
        }
    }
}
