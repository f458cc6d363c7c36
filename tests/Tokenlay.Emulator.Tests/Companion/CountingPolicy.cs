using System.ClientModel.Primitives;

namespace Tokenlay.Emulator.Tests.Companion;

/// <summary>
/// Counts what passes it: per call, the requests a companion client sends (paging, shared options);
/// before the transport, every attempt (retries).
/// </summary>
internal sealed class CountingPolicy : PipelinePolicy
{
    private int _count;

    public int Count => _count;

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Interlocked.Increment(ref _count);
        ProcessNext(message, pipeline, currentIndex);
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Interlocked.Increment(ref _count);
        return ProcessNextAsync(message, pipeline, currentIndex);
    }
}
