using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// Labels a text with intent labels (<see cref="IntentLabels"/>). A labeler never throws for a
/// failure of its own (a provider error, a malformed or late answer): it returns
/// <see cref="LabelResult.Failed"/>, so a labeler can never fail the user's call.
/// </summary>
internal interface ILabeler
{
    Task<LabelResult> LabelAsync(LabelInput input, CancellationToken cancellationToken);
}
