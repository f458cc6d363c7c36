using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// A response body whose every read must see data within a timeout. It streams: nothing is
/// buffered, so a long healthy stream is never cut; only a gap longer than the timeout is.
/// </summary>
internal sealed class ReadTimeoutContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly TimeSpan _timeout;
    private readonly string _call;
    private readonly string _setting;

    public ReadTimeoutContent(HttpContent inner, TimeSpan timeout, string call, string setting)
    {
        _inner = inner;
        _timeout = timeout;
        _call = call;
        _setting = setting;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override async Task<Stream> CreateContentReadStreamAsync() =>
        new ReadTimeoutStream(await _inner.ReadAsStreamAsync().ConfigureAwait(false), this);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new ReadTimeoutStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), this);

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) =>
        new ReadTimeoutStream(_inner.ReadAsStream(cancellationToken), this);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        using Stream body = await CreateContentReadStreamAsync().ConfigureAwait(false);
        await body.CopyToAsync(stream).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private sealed class ReadTimeoutStream : ReadOnlyWrappingStream
    {
        private readonly ReadTimeoutContent _owner;

        public ReadTimeoutStream(Stream inner, ReadTimeoutContent owner)
            : base(inner)
        {
            _owner = owner;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_owner._timeout);
            try
            {
                return await Inner.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TokenlayTimeoutException(
                    $"The body of {_owner._call} stalled: no data arrived from Tokenlay within {_owner._timeout.TotalSeconds:0.###} s ({_owner._setting}). " +
                    "What arrived before the stall was delivered; raise the setting if replies pause for long.",
                    null, e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // The synchronous API of the OpenAI library reads here: the same bound, applied the same way.
        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }
}
