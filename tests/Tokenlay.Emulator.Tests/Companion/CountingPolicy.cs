using System.ClientModel.Primitives;

namespace Tokenlay.Emulator.Tests.Companion;

/// <summary>Counts the requests a companion client sends, for tests of how many it sends (paging, shared options).</summary>
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
