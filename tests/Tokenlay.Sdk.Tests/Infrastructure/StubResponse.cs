using System.ClientModel.Primitives;

namespace Tokenlay.Tests.Infrastructure;

/// <summary>A raw response for mocks that return a <c>ClientResult&lt;T&gt;</c>: a status and an empty body.</summary>
internal sealed class StubResponse(int status) : PipelineResponse
{
    private readonly PipelineResponseHeaders _headers = new NoHeaders();

    public override int Status => status;

    public override string ReasonPhrase => status == 200 ? "OK" : "";

    public override Stream? ContentStream { get; set; }

    public override BinaryData Content => BinaryData.Empty;

    protected override PipelineResponseHeaders HeadersCore => _headers;

    public override BinaryData BufferContent(CancellationToken cancellationToken = default) => BinaryData.Empty;

    public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => new(BinaryData.Empty);

    public override void Dispose()
    {
    }

    private sealed class NoHeaders : PipelineResponseHeaders
    {
        public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Enumerable.Empty<KeyValuePair<string, string>>().GetEnumerator();

        public override bool TryGetValue(string name, out string? value)
        {
            value = null;
            return false;
        }

        public override bool TryGetValues(string name, out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
