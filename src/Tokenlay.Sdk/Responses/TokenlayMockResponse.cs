using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay;

/// <summary>
/// The raw response behind a <see cref="TokenlayModelFactory.Result{T}"/>: a status, headers and a
/// body held in memory, so a mock of a companion method can return what the real one does.
/// </summary>
internal sealed class TokenlayMockResponse : PipelineResponse
{
    private readonly int _status;
    private readonly BinaryData _content;
    private readonly PipelineResponseHeaders _headers;

    public TokenlayMockResponse(int status, IReadOnlyDictionary<string, string>? headers, BinaryData? content)
    {
        if (status is < 100 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "An HTTP status is from 100 to 599.");
        }
        _status = status;
        // As the pipeline's classifier marks a real one: 4xx and 5xx are errors.
        IsErrorCore = status >= 400;
        _content = content ?? BinaryData.Empty;
        _headers = new InMemoryHeaders(headers ?? new Dictionary<string, string>());
        ContentStream = _content.ToStream();
    }

    public override int Status => _status;

    public override string ReasonPhrase => _status == 200 ? "OK" : "";

    protected override bool IsErrorCore { get; set; }

    public override Stream? ContentStream { get; set; }

    public override BinaryData Content => _content;

    protected override PipelineResponseHeaders HeadersCore => _headers;

    public override BinaryData BufferContent(CancellationToken cancellationToken = default) => _content;

    public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => new(_content);

    public override void Dispose() => ContentStream?.Dispose();

    private sealed class InMemoryHeaders(IReadOnlyDictionary<string, string> values) : PipelineResponseHeaders
    {
        // Header names compare ignoring case, as HTTP's do.
        private readonly Dictionary<string, string> _values = values.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase);

        public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _values.GetEnumerator();

        public override bool TryGetValue(string name, out string? value) => _values.TryGetValue(name, out value);

        public override bool TryGetValues(string name, out IEnumerable<string>? values)
        {
            bool found = _values.TryGetValue(name, out string? value);
            values = found ? new[] { value! } : null;
            return found;
        }
    }
}
