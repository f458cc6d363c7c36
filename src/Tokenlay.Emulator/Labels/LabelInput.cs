using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Labels;

/// <summary>One text to label: a call's user messages (<see cref="LabelPart.Prompt"/>) or its reply (<see cref="LabelPart.Reply"/>).</summary>
/// <param name="Text">The text to label.</param>
/// <param name="Part">Which part of the conversation it is.</param>
/// <param name="Call">The call it belongs to: the model labeler asks through its provider base and key.</param>
/// <param name="Entry">The call's log entry, whose attribution the model labeler's own entry copies.</param>
internal sealed record LabelInput(string Text, LabelPart Part, ProxyCall Call, CallLogEntry Entry);

/// <summary>Which part of a conversation a text is.</summary>
internal enum LabelPart
{
    /// <summary>The user's messages, labeled before the call is admitted.</summary>
    Prompt,

    /// <summary>The reply, labeled after the call ends.</summary>
    Reply,
}
