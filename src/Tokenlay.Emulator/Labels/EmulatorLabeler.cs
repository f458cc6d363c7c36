namespace Tokenlay.Emulator;

/// <summary>How the emulator labels conversations with intent labels (<c>--labeler</c>; see <see cref="TokenlayEmulatorOptions.Labeler"/>).</summary>
public enum EmulatorLabeler
{
    /// <summary>Deterministic phrases, documented in the README, so each label can be produced on purpose. The default, offline and forwarding.</summary>
    Simulated = 0,

    /// <summary>
    /// Asks <see cref="TokenlayEmulatorOptions.LabelerModel"/> through the call's own provider base and key, with a
    /// JSON-schema answer of the label set, within <see cref="TokenlayEmulatorOptions.LabelerTimeout"/>; metered as its own log entry.
    /// </summary>
    Model,

    /// <summary>No labels: no <c>x-tokenlay-labels</c>, and label conditions never match.</summary>
    Off,
}
