using System;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Metering.Persistence;
using Tokenlay.Emulator.Upstream;
using Tokenlay.Emulator.Webhooks;

namespace Tokenlay.Emulator.Labels;

/// <summary>Builds the labeling stage from the options: the labeler, the history (persisted with <c>--data</c>) and the subjects it keeps.</summary>
internal static class LabelingSetup
{
    /// <summary>Checks the labeler options before anything is opened.</summary>
    /// <exception cref="ArgumentException">A labeler option is invalid.</exception>
    public static void Validate(TokenlayEmulatorOptions options)
    {
        if (options.LabelerTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("TokenlayEmulatorOptions.LabelerTimeout must be positive.", nameof(options));
        }
        if (options.Labeler == EmulatorLabeler.Model && string.IsNullOrWhiteSpace(options.LabelerModel))
        {
            throw new ArgumentException("TokenlayEmulatorOptions.LabelerModel must name a model when Labeler is Model.", nameof(options));
        }
    }

    public static CallLabeling Create(TokenlayEmulatorOptions options, IProvider provider, UsageStore store, WebhookNotifier webhooks, SqliteCallStore? sqlite)
    {
        ILabeler? labeler = options.Labeler switch
        {
            EmulatorLabeler.Simulated => new SimulatedLabeler(),
            EmulatorLabeler.Model => new ModelLabeler(provider, store, options.LabelerModel, options.LabelerTimeout, options.TimeProvider),
            _ => null,
        };
        var history = new LabelHistory(options.TimeProvider, LabelConditions.Retention(options.Rules), options.MaxLabelSubjects,
            sqlite is null ? null : new SqliteLabelJournal(sqlite));
        return new CallLabeling(labeler, history, LabelConditions.PerFields(options.Rules), webhooks, store, options.TimeProvider);
    }
}
