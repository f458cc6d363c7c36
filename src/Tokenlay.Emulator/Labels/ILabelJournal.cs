using System;
using System.Collections.Generic;

namespace Tokenlay.Emulator.Labels;

/// <summary>Where <see cref="LabelHistory"/> keeps what it saw across restarts (<c>--data</c>).</summary>
internal interface ILabelJournal
{
    /// <summary>Every (subject, label, last seen) kept.</summary>
    IReadOnlyList<LabelSighting> Load();

    /// <summary>Queues the last sighting of a label for a subject (replacing an older one).</summary>
    void Seen(LabelSighting sighting);

    /// <summary>Queues the removal of everything kept for a subject.</summary>
    void Forget(string subject);
}

/// <summary>When <see cref="Subject"/> (<c>per:key</c>, such as <c>user:alice</c>) last had <see cref="Label"/>.</summary>
internal readonly record struct LabelSighting(string Subject, string Label, DateTimeOffset At);
